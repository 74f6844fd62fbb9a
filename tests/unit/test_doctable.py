"""DocTable: the search index's doc id -> DocMeta list, read through a dict's interface."""

from __future__ import annotations

from redvector.search.doctable import DocMeta, DocTable


def test_doc_table_reads_like_a_dict_in_doc_id_order() -> None:
    table = DocTable()
    metas = {d: DocMeta(b"k%d" % d, ()) for d in (5, 2, 9, 3)}  # a restore's saved ids, out of order
    for d, meta in metas.items():
        table[d] = meta
    assert len(table) == 4 and list(table) == [2, 3, 5, 9]
    assert list(table.items()) == [(d, metas[d]) for d in (2, 3, 5, 9)]
    assert table.get(5) is metas[5] and 5 in table
    assert table.get(4) is None and table.get(10) is None and table.get(-1) is None and -1 not in table
    table[5] = replaced = DocMeta(b"k5", ())
    assert len(table) == 4 and table.get(5) is replaced
    assert table.pop(5) is replaced and table.pop(5) is None and table.pop(100) is None
    assert len(table) == 3 and list(table) == [2, 3, 9]
    table[10] = metas[9]
    assert list(table) == [2, 3, 9, 10] and len(table) == 4
    table.clear()
    assert len(table) == 0 and list(table) == [] and table.get(2) is None
