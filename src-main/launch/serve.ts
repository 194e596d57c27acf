// `npm run serve`: the lab in any browser. Builds the renderer when it is stale, then starts the web
// host on 127.0.0.1 (TypeScript run through tsx, so the engine is the checked-out source).
import { ensureBuilt } from './build-state';

ensureBuilt();
await import('../web/main');
