export { loadConfig, type Config } from './config.js';
export { createLogger } from './log.js';
export { startNode, type HotlineNode } from './node.js';
export { hashPassword, verifyPassword } from './auth/passwords.js';
export { TokenSigner } from './auth/tokens.js';
export { loadTopology, TopologyError } from './topology-file.js';
