# The hotline server: one image for every node.
FROM node:20-bookworm-slim

ENV NODE_ENV=production \
    PORT=8080 \
    HOST=0.0.0.0 \
    HOTLINE_CONSOLE_DIR=/app/console/dist
WORKDIR /app

# Dependencies first, for the layer cache. tsx runs the TypeScript sources; esbuild builds the console.
COPY package.json package-lock.json .npmrc ./
COPY shared/package.json shared/
COPY server/package.json server/
COPY client-sdk/package.json client-sdk/
COPY console/package.json console/
RUN npm ci --no-audit --no-fund

COPY tsconfig.base.json tsconfig.json ./
COPY shared shared
COPY server server
COPY client-sdk client-sdk
COPY console console
COPY scripts scripts
COPY topology topology
RUN npm run build

USER node
EXPOSE 8080
HEALTHCHECK --interval=10s --timeout=3s --start-period=20s --retries=3 \
  CMD node -e "fetch('http://127.0.0.1:'+(process.env.PORT||8080)+'/readyz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"
# SIGTERM triggers the graceful shutdown (stop accepting, finish in-flight sends, close workers).
STOPSIGNAL SIGTERM
CMD ["node", "--import", "tsx", "server/src/main.ts"]
