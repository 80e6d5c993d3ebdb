# The Tsunagu service (used by docker-compose.yml, which pairs it with neo4j:5.26-community).
# Without TSUNAGU_NEO4J_URI it runs on the embedded store in /data.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    HF_HUB_OFFLINE=1 \
    TRANSFORMERS_OFFLINE=1 \
    TSUNAGU_DATA_DIR=/data \
    TSUNAGU_HOST=0.0.0.0

WORKDIR /app
COPY pyproject.toml README.md ./
COPY graph ./graph
COPY matching ./matching
COPY api ./api
COPY ingest ./ingest
# CPU-only PyTorch: the CUDA wheels are gigabytes and the service does not need a GPU.
RUN pip install --extra-index-url https://download.pytorch.org/whl/cpu . \
    && useradd --create-home --uid 1000 tsunagu \
    && mkdir -p /data && chown tsunagu /data

USER tsunagu
VOLUME ["/data"]
EXPOSE 8000
# Set up the schema (idempotent), load the demo city into an empty store, then serve.
CMD ["sh", "-c", "tsunagu db init && exec tsunagu serve --host 0.0.0.0 --demo"]
