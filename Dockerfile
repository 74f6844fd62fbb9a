# RedVector: RESP 6379, REST 8888, gRPC 50051, Qdrant REST 6333 and gRPC 6334, data in /data.
# (Docker cannot run on the project's build machines: this file is not built in CI.)
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
WORKDIR /app
COPY pyproject.toml README.md ./
COPY redvector ./redvector
RUN pip install . \
    && useradd --system --uid 10001 --home-dir /data redvector \
    && mkdir -p /data && chown redvector /data

USER redvector
VOLUME ["/data"]
EXPOSE 6379 8888 50051 6333 6334
# Extra flags (for example --requirepass secret) come from REDVECTOR_ARGS.
ENV REDVECTOR_ARGS=""
HEALTHCHECK --interval=10s --timeout=3s --start-period=10s --retries=3 \
    CMD python -c "import urllib.request,sys; sys.exit(urllib.request.urlopen('http://127.0.0.1:8888/health', timeout=2).status != 200)"
CMD ["sh", "-c", "exec redvector --bind '0.0.0.0' --protected-mode no --dir /data $REDVECTOR_ARGS"]
