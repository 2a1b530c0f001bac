# ML/AI Notes: the knowledge base, the index and the server in one CPU-only image.
FROM python:3.11-slim

# TOKENIZERS_PARALLELISM is a switch, not a secret
# hadolint ignore=DL3064
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    HF_HUB_OFFLINE=1 \
    TRANSFORMERS_OFFLINE=1 \
    TOKENIZERS_PARALLELISM=false \
    GRADIO_ANALYTICS_ENABLED=False \
    MLNOTES_CORPUS_DIR=/app/corpus \
    MLNOTES_INDEX_DIR=/app/.mlnotes/index \
    MLNOTES_DATA_DIR=/data

WORKDIR /app

# CPU PyTorch first so the project's torch requirement is already satisfied (no CUDA wheels)
RUN pip install "torch==2.13.0" --index-url https://download.pytorch.org/whl/cpu

# dependencies before code: a code change reuses this layer instead of reinstalling everything
COPY pyproject.toml ./
RUN python -c "import tomllib; p = tomllib.load(open('pyproject.toml', 'rb'))['project']; \
print('\n'.join(p['dependencies'] + [r for x in ('chapters', 'postgres', 'qdrant') \
for r in p['optional-dependencies'][x]]))" > /tmp/requirements.txt \
 && pip install -r /tmp/requirements.txt

COPY README.md ./
COPY mlnotes ./mlnotes
COPY kb ./kb
COPY assistant ./assistant
COPY algorithms ./algorithms
COPY eval ./eval
COPY corpus ./corpus
# postgres and qdrant: the cluster shape of docker-compose.yml (PostgreSQL interview store, Qdrant backend);
# the project itself (its dependencies are pinned above): no version to pin
# hadolint ignore=DL3013
RUN pip install --no-deps ".[chapters,postgres,qdrant]"

# build the index into the image so the container starts serving at once
RUN mlnotes index

RUN useradd --create-home --uid 1000 mlnotes && mkdir -p /data && chown -R mlnotes /data /app/.mlnotes
USER 1000
VOLUME ["/data"]
EXPOSE 7860
# /api/live needs no API key (it returns no data): /api/health answers 401 when MLNOTES_API_KEY is set
HEALTHCHECK --interval=30s --timeout=5s --start-period=60s \
  CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:7860/api/live', timeout=4)"]
# inside the container the server must listen on all interfaces; publish it on 127.0.0.1 on the host
CMD ["mlnotes", "serve", "--host", "0.0.0.0", "--port", "7860"]
