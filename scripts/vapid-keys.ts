// Prints a new VAPID key pair for Web Push, as the environment variables the server reads.
// Usage: npm run -s vapid-keys >> .env
import webpush from 'web-push';

const { publicKey, privateKey } = webpush.generateVAPIDKeys();
process.stdout.write(`HOTLINE_VAPID_PUBLIC_KEY=${publicKey}\nHOTLINE_VAPID_PRIVATE_KEY=${privateKey}\n`);
