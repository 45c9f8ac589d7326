# The counterscan worker image. Build: docker build -t counterscan .
FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 \
    COUNTERSCAN_METRICS_HOST=0.0.0.0 COUNTERSCAN_WEB_HOST=0.0.0.0 COUNTERSCAN_CACHE_DIR=/var/lib/counterscan
WORKDIR /app
COPY pyproject.toml README.md ./
COPY pipeline ./pipeline
COPY agents ./agents
COPY schemas ./schemas
COPY benchmarks ./benchmarks
RUN pip install --no-cache-dir . && useradd --system --home /var/lib/counterscan counterscan \
    && mkdir -p /var/lib/counterscan && chown counterscan /var/lib/counterscan
USER counterscan
EXPOSE 9108
ENTRYPOINT ["counterscan"]
CMD ["worker"]
