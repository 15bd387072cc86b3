# syntax=docker/dockerfile:1
# The mcp-gateway image, and the demo upstream's. Build from the repository root:
#   docker build -t mcp-gateway .                                   # the gateway (last stage)
#   docker build --target demo-upstream -t mcp-gateway-demo-upstream .
# examples/docker-compose builds both. Stages: `build` compiles the monorepo; `prod-deps` installs
# the gateway's production dependencies beside the compiled packages; `demo-upstream` installs
# only the demo server's own; `gateway` runs as a non-root user under tini.

ARG NODE_IMAGE=node:20-slim

FROM ${NODE_IMAGE} AS build
WORKDIR /app
COPY package.json package-lock.json tsconfig.json tsconfig.base.json ./
COPY packages ./packages
COPY examples ./examples
RUN npm ci --ignore-scripts --no-audit --no-fund && npx tsc -b

# The compiled packages with the production dependencies of the meta package (the runtime and the
# five default plugins) only: no dev tools, and none of the examples' dependencies.
FROM ${NODE_IMAGE} AS prod-deps
WORKDIR /app
COPY package.json package-lock.json ./
COPY --from=build /app/packages ./packages
RUN npm ci --omit=dev --workspace=packages/gateway --ignore-scripts --no-audit --no-fund && npm cache clean --force

# The demo MCP server with its own production dependencies only (the SDK and zod), no dev tools.
FROM ${NODE_IMAGE} AS demo-upstream
WORKDIR /app
COPY package.json package-lock.json ./
COPY examples/demo-upstream ./examples/demo-upstream
RUN npm ci --omit=dev --workspace=examples/demo-upstream --ignore-scripts --no-audit --no-fund && npm cache clean --force
USER node
EXPOSE 9000
CMD ["node", "examples/demo-upstream/server.mjs", "--host", "0.0.0.0", "--port", "9000"]

FROM ${NODE_IMAGE} AS gateway
# tini as PID 1: signals reach the gateway (SIGTERM drains), zombies are reaped, with or without `docker run --init`.
RUN apt-get update && apt-get install -y --no-install-recommends tini && rm -rf /var/lib/apt/lists/*
ENV NODE_ENV=production
WORKDIR /app
COPY --from=prod-deps /app/package.json ./package.json
COPY --from=prod-deps /app/node_modules ./node_modules
COPY --from=prod-deps /app/packages ./packages
# `node src/cli.js …` works as in the original mcp-gateway's image; `mcp-gateway` is on the PATH too.
COPY examples/docker-compose/src ./src
RUN ln -s /app/packages/runtime/bin/mcp-gateway.js /usr/local/bin/mcp-gateway
LABEL org.opencontainers.image.title="mcp-gateway" \
      org.opencontainers.image.description="One MCP endpoint in front of many MCP servers: auth, policy, rate limiting, audit and routing as plugins" \
      org.opencontainers.image.licenses="MIT" \
      org.opencontainers.image.documentation="https://www.npmjs.com/package/@mcp-gateway/gateway"
USER node
EXPOSE 8080
# The CLI asks the config's host and port (it needs none of the config's secrets).
HEALTHCHECK --interval=10s --timeout=5s --start-period=10s --retries=3 CMD ["node", "src/cli.js", "health", "-c", "/config/config.yml"]
ENTRYPOINT ["tini", "--"]
CMD ["node", "src/cli.js", "start", "-c", "/config/config.yml"]
