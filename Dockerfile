# syntax=docker/dockerfile:1
# syncwatch: compiled in a build stage; the runtime image runs dist/ (plain JavaScript) with production
# dependencies only, non-root, tini as PID 1 so SIGTERM reaches the daemon.

FROM node:22-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json tsconfig.json tsconfig.build.json ./
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY src ./src
COPY workers ./workers
RUN npm run build

FROM node:22-bookworm-slim AS deps
WORKDIR /app
COPY package.json package-lock.json ./
# --ignore-scripts: `prepare` builds dist/, which needs the dev dependencies (the build stage did it).
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund

FROM node:22-bookworm-slim
RUN apt-get update \
 && apt-get install -y --no-install-recommends tini \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /app
ENV NODE_ENV=production
COPY --from=deps /app/node_modules ./node_modules
COPY package.json ./
COPY bin ./bin
COPY --from=build /app/dist ./dist
COPY config ./config
USER node
EXPOSE 9464
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:9464/healthz').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
# V8 sizes its heap's growth from its limit: without one, on a host with much memory, garbage piles
# up to ~130 MB of old space before the first full collection. The flags are npm start's
# (package.json); `docker run -e NODE_OPTIONS=--max-old-space-size=2048` raises the limit.
ENV NODE_OPTIONS=--max-old-space-size=768
ENTRYPOINT ["/usr/bin/tini", "--", "node", "bin/syncwatch.js"]
CMD ["run"]
