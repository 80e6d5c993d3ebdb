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
COPY pyproject.toml uv.lock README.md ./
# Every dependency at its version in uv.lock.  PyTorch is the CPU build of the locked version
# (the CUDA wheels are gigabytes and the service does not need a GPU): the CUDA-only packages
# are left out of the list, and the CPU index's "+cpu" build satisfies the torch pin.
RUN pip install uv==0.13.9 \
    && uv export --frozen --no-hashes --no-emit-project --format requirements-txt \
        | grep -Ev '^(nvidia-|cuda-|triton==)' > /tmp/requirements.txt \
    && pip install --extra-index-url https://download.pytorch.org/whl/cpu \
        -r /tmp/requirements.txt \
    && pip uninstall --yes uv
COPY graph ./graph
COPY matching ./matching
COPY api ./api
COPY ingest ./ingest
COPY workflows ./workflows
COPY democity ./democity
COPY cli ./cli
RUN pip install --no-deps . \
    && useradd --create-home --uid 1000 tsunagu \
    && mkdir -p /data && chown tsunagu /data && chmod 700 /data

USER tsunagu
VOLUME ["/data"]
EXPOSE 8000
# Set up the schema (idempotent), load the demo city into an empty store, then serve.
CMD ["sh", "-c", "tsunagu db init && exec tsunagu serve --host 0.0.0.0 --demo"]
