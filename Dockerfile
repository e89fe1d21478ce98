# syntax=docker/dockerfile:1.7
# Neon container image. Two targets from one file:
#   docker build --target cpu -t neon:cpu .    # Node 20 on Debian bookworm; onnxruntime CPU, tfjs wasm
#   docker build --target gpu -t neon:gpu .    # CUDA 12 + cuDNN 9 runtime; onnxruntime CUDA EP, tfjs-node-gpu if it installs
# The entrypoint is the `neon` command line; the command picks the service:
#   docker run neon:cpu                                 # serve --service all (everything in one process)
#   docker run neon:gpu serve --service sampler         # one service
#   docker run neon:cpu db migrate                      # any other CLI command

ARG NODE_VERSION=20
ARG CUDA_IMAGE=nvidia/cuda:12.6.3-cudnn-runtime-ubuntu24.04
ARG TFJS_VERSION=4.22.0
ARG NEON_UID=10001

# ---- Node 20 toolchain (also the donor of node/npm for the CUDA image) ------------------------------------------------
FROM node:${NODE_VERSION}-bookworm-slim AS node

# ---- Debian packages shared by both targets: the Fashion-MNIST dataset and a static init ------------------------------
FROM node AS debian-assets
RUN apt-get update \
 && apt-get install -y --no-install-recommends dataset-fashion-mnist tini \
 && rm -rf /var/lib/apt/lists/*

# ---- CPU dependencies: onnxruntime-node ships its CPU binaries in the npm package, so its download step is skipped -----
FROM node AS deps-cpu
WORKDIR /app
ENV ONNXRUNTIME_NODE_INSTALL=skip
COPY package.json package-lock.json .npmrc ./
RUN --mount=type=cache,target=/root/.npm npm ci --omit=dev --no-audit --no-fund

# ---- CUDA base with Node 20 copied in from the official image ----------------------------------------------------------
FROM ${CUDA_IMAGE} AS cuda-node
COPY --from=node /usr/local/bin/node /usr/local/bin/node
COPY --from=node /usr/local/lib/node_modules /usr/local/lib/node_modules
RUN ln -s ../lib/node_modules/npm/bin/npm-cli.js /usr/local/bin/npm \
 && ln -s ../lib/node_modules/npm/bin/npx-cli.js /usr/local/bin/npx \
 && node --version && npm --version

# ---- GPU dependencies: onnxruntime CUDA 12 execution provider; tfjs-node-gpu optional ---------------------------------
FROM cuda-node AS deps-gpu
ARG TFJS_VERSION
RUN apt-get update \
 && apt-get install -y --no-install-recommends ca-certificates python3 make g++ \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /app
# The environment variable wins over .npmrc's `onnxruntime-node-install=skip`.
ENV ONNXRUNTIME_NODE_INSTALL=cuda12
COPY package.json package-lock.json .npmrc ./
RUN --mount=type=cache,target=/root/.npm npm ci --omit=dev --no-audit --no-fund \
 && test -f node_modules/onnxruntime-node/bin/napi-v6/linux/x64/libonnxruntime_providers_cuda.so
# tfjs-node-gpu is optional: its libtensorflow download can fail, and then NEON_TF_BACKEND=wasm still works.
RUN --mount=type=cache,target=/root/.npm \
    npm install --no-save --omit=dev --no-audit --no-fund "@tensorflow/tfjs-node-gpu@${TFJS_VERSION}" \
 || echo "tfjs-node-gpu did not install; the image keeps the wasm and cpu TensorFlow.js backends"

# ---- GPU runtime -------------------------------------------------------------------------------------------------------
FROM cuda-node AS gpu
ARG NEON_UID
COPY --from=debian-assets /usr/bin/tini-static /usr/local/bin/tini
COPY --from=debian-assets /usr/share/datasets/fashion-mnist /usr/share/datasets/fashion-mnist
RUN groupadd --gid ${NEON_UID} neon \
 && useradd --uid ${NEON_UID} --gid ${NEON_UID} --home-dir /home/neon --create-home --shell /usr/sbin/nologin neon \
 && mkdir -p /data && chown ${NEON_UID}:${NEON_UID} /data
WORKDIR /app
COPY --from=deps-gpu /app/node_modules ./node_modules
COPY . .
ENV NODE_ENV=production \
    NEON_HOME=/data \
    HOST=0.0.0.0 \
    PORT=8080 \
    NEON_TF_BACKEND=wasm \
    NEON_ORT_PROVIDER=cuda \
    NVIDIA_VISIBLE_DEVICES=all \
    NVIDIA_DRIVER_CAPABILITIES=compute,utility
USER 10001:10001
EXPOSE 8080
HEALTHCHECK --interval=30s --timeout=5s --start-period=120s --retries=3 CMD ["node", "bin/healthcheck.js"]
ENTRYPOINT ["/usr/local/bin/tini", "--", "node", "bin/neon.js"]
CMD ["serve", "--service", "all"]

# ---- CPU runtime (the last stage, so a plain `docker build .` gives the CPU image) ----------------------------------------------------------------------------------------------------
FROM node AS cpu
ARG NEON_UID
COPY --from=debian-assets /usr/bin/tini-static /usr/local/bin/tini
COPY --from=debian-assets /usr/share/datasets/fashion-mnist /usr/share/datasets/fashion-mnist
RUN groupadd --gid ${NEON_UID} neon \
 && useradd --uid ${NEON_UID} --gid ${NEON_UID} --home-dir /home/neon --create-home --shell /usr/sbin/nologin neon \
 && mkdir -p /data && chown ${NEON_UID}:${NEON_UID} /data
WORKDIR /app
COPY --from=deps-cpu /app/node_modules ./node_modules
COPY . .
ENV NODE_ENV=production \
    NEON_HOME=/data \
    HOST=0.0.0.0 \
    PORT=8080 \
    NEON_TF_BACKEND=wasm \
    NEON_ORT_PROVIDER=cpu
USER 10001:10001
EXPOSE 8080
HEALTHCHECK --interval=30s --timeout=5s --start-period=60s --retries=3 CMD ["node", "bin/healthcheck.js"]
ENTRYPOINT ["/usr/local/bin/tini", "--", "node", "bin/neon.js"]
CMD ["serve", "--service", "all"]
