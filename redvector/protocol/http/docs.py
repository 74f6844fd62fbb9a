"""The self-contained HTML page served at GET / on the REST port (no external assets)."""

from __future__ import annotations

from html import escape

from redvector.protocol.http.openapi import ROUTES

_STYLE = """
body{font:15px/1.5 system-ui,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem;color:#222}
h1{color:#b00}code,pre{background:#f4f4f4;border-radius:4px}pre{padding:.8rem;overflow:auto}
table{border-collapse:collapse;width:100%}td,th{border-bottom:1px solid #ddd;padding:.3rem;text-align:left}
td.m{font-weight:bold;text-transform:uppercase;width:5rem}
"""


def docs_page(version: str, port: int) -> str:
    rows = "\n".join(
        f"<tr><td class=m>{escape(m)}</td><td><code>{escape(p)}</code></td><td>{escape(tag)}</td>"
        f"<td>{escape(summary)}</td></tr>"
        for m, p, tag, summary, _ in ROUTES
    )
    base = f"http://localhost:{port}"
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>RedVector API</title><style>{_STYLE}</style></head>
<body>
<h1>RedVector {escape(version)}</h1>
<p>One in-memory datastore, three protocols: Redis (RESP2/RESP3 + FT.*), this REST API and gRPC
(<code>redvector.VectorService</code> and Qdrant's services). A collection is a search index over hashes
with the key prefix <code>&lt;collection&gt;:</code>; a point is a hash, so everything written here is
visible to <code>FT.SEARCH</code> and <code>HGETALL</code>, and hashes written over Redis are searchable here.</p>
<h2>Examples</h2>
<pre>curl -X POST {base}/api/collections/my_vectors -H 'Content-Type: application/json' \\
  -d '{{"vector_size": 3, "distance": "Cosine"}}'
curl -X POST {base}/api/collections/my_vectors/points -H 'Content-Type: application/json' \\
  -d '{{"points": [{{"id": 1, "vector": [0.1, 0.2, 0.3], "payload": {{"genre": "rock"}}}}]}}'
curl '{base}/api/collections/my_vectors/search?vector=0.1,0.2,0.3&amp;limit=5'
curl -X POST {base}/api/collections/my_vectors/search -H 'Content-Type: application/json' \\
  -d '{{"vector": [0.1, 0.2, 0.3], "limit": 5, "filter": {{"must": [{{"key": "genre", "match": {{"value": "rock"}}}}]}}}}'</pre>
<p>Filters use Qdrant's language (must, should, must_not, min_should; match value/any/except/text, range,
has_id, is_empty, is_null, nested keys). When <code>requirepass</code> or <code>api-key</code> is set, send
it as an <code>api-key</code> header or <code>Authorization: Bearer</code> token.</p>
<h2>Routes</h2>
<table><tr><th>method</th><th>path</th><th>API</th><th>what</th></tr>
{rows}
</table>
<p>Machine-readable: <a href="/openapi.json">/openapi.json</a>. Metrics: <a href="/metrics">/metrics</a>.</p>
</body></html>
"""
