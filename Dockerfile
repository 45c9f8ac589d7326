# The counterscan worker image. Build: docker build -t counterscan .
#
# Both stages start from one pinned base: python 3.11.15 on Debian slim, by the digest of its
# multi-platform index (refresh tag and digest together: docker buildx imagetools inspect
# python:3.11.15-slim).
# - builder makes the counterscan wheel, a wheel of every dependency, and the compiled intake's
#   wheel from native/, with cargo and rustc of Debian 13 (the base's release) pinned like the
#   base and crates from crates.io (without it the workers would fall back to the Python intake);
# - runtime installs those wheels and nothing else (no sources, tests or benchmarks) and runs
#   as 10001:10001, numeric so that Kubernetes' runAsNonRoot can check it.
# The root filesystem may be read-only: whatever the process writes (worker table state, the
# local broker's files, temporary files) goes under /var/lib/counterscan, a volume
# (COUNTERSCAN_CACHE_DIR; worker state in <cache_dir>/state unless COUNTERSCAN_STATE_DIR says).

FROM python:3.11.15-slim@sha256:90744cff8f32887f075c47d747a173ff333e9e98801667af93c357fa9f5e28ff AS builder
ENV PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_NO_CACHE_DIR=1 PYTHONDONTWRITEBYTECODE=1
WORKDIR /src
COPY pyproject.toml README.md ./
COPY pipeline ./pipeline
COPY agents ./agents
COPY schemas ./schemas
COPY native ./native
RUN apt-get update \
    && apt-get install -y --no-install-recommends cargo=1.85.1+dfsg1-1+deb13u1 rustc=1.85.1+dfsg1-1+deb13u1 \
    && rm -rf /var/lib/apt/lists/*
RUN pip wheel --no-cache-dir --wheel-dir /wheels . ./native

FROM python:3.11.15-slim@sha256:90744cff8f32887f075c47d747a173ff333e9e98801667af93c357fa9f5e28ff AS runtime
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_DISABLE_PIP_VERSION_CHECK=1 \
    HOME=/var/lib/counterscan TMPDIR=/var/lib/counterscan \
    COUNTERSCAN_CACHE_DIR=/var/lib/counterscan \
    COUNTERSCAN_METRICS_HOST=0.0.0.0 COUNTERSCAN_WEB_HOST=0.0.0.0
# The wheels are mounted from the builder for this one step, so none of them stays in a layer.
RUN --mount=type=bind,from=builder,source=/wheels,target=/wheels \
    pip install --no-cache-dir --no-index --find-links=/wheels /wheels/counterscan-*.whl \
        /wheels/counterscan_native-*.whl \
    && groupadd --system --gid 10001 counterscan \
    && useradd --system --uid 10001 --gid 10001 --home-dir /var/lib/counterscan --no-create-home \
        --shell /usr/sbin/nologin counterscan \
    && install -d -o 10001 -g 10001 -m 0750 /var/lib/counterscan
VOLUME ["/var/lib/counterscan"]
WORKDIR /var/lib/counterscan
USER 10001:10001
EXPOSE 9108
ENTRYPOINT ["counterscan"]
CMD ["worker"]
