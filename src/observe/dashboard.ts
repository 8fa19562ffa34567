import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { WsPeer, WsRoute } from '../aws/ws.js';
import { dashboardFrame } from './dashboard-data.js';
import type { Metrics } from './prometheus.js';

/** How often the page gets a frame. */
export const FRAME_MS = 1000;
/** A page whose socket holds more than this unsent gets no frame until it drains (bounded memory). */
const PEER_BACKLOG_BYTES = 1024 * 1024;
/** Pages open at once at most; one more is closed (1013: try again later). */
const PEERS_MAX = 64;

export const DASHBOARD_FEED_PATH = '/dashboard/live';

interface Asset {
  type: string;
  body: Buffer;
}

/** The page's files: web/ at the package root (dist/observe/ → ../../web/), uPlot from its package. */
function loadAssets(): Map<string, Asset> {
  const web = (name: string) => readFileSync(new URL(`../../web/${name}`, import.meta.url));
  return new Map<string, Asset>([
    ['/', { type: 'text/html; charset=utf-8', body: web('index.html') }],
    ['/dashboard/app.js', { type: 'text/javascript; charset=utf-8', body: web('app.js') }],
    ['/dashboard/app.css', { type: 'text/css; charset=utf-8', body: web('app.css') }],
    ['/dashboard/uPlot.iife.min.js', { type: 'text/javascript; charset=utf-8', body: readFileSync(fileURLToPath(import.meta.resolve('uplot/dist/uPlot.iife.min.js'))) }],
    ['/dashboard/uPlot.min.css', { type: 'text/css; charset=utf-8', body: readFileSync(fileURLToPath(import.meta.resolve('uplot/dist/uPlot.min.css'))) }],
  ]);
}

/**
 * The live page on the stream port: static files served from memory (no CDN: uPlot is bundled from
 * its npm package) and a WebSocket that sends every open page one snapshot per FRAME_MS, computed
 * once for all of them, only while a page is open.
 */
export class Dashboard {
  readonly assets = loadAssets();
  private readonly peers = new Set<WsPeer>();
  private timer: NodeJS.Timeout | null = null;
  private readonly startedMs = Date.now();

  constructor(private readonly metrics: Metrics) {}

  frame(): string {
    return JSON.stringify(dashboardFrame(this.metrics.snapshot(), (Date.now() - this.startedMs) / 1000));
  }

  route(): WsRoute {
    return {
      path: DASHBOARD_FEED_PATH,
      maxMessageBytes: 1024,
      unsigned: true,
      open: (peer) => {
        if (this.peers.size >= PEERS_MAX) {
          peer.close(1013, 'too many dashboard pages open');
          return { message: () => undefined, drain: () => undefined, closed: () => undefined };
        }
        this.peers.add(peer);
        try {
          peer.send(this.frame());
        } catch (err) {
          console.error('riffle: the dashboard frame failed:', err);
        }
        this.timer ??= setInterval(() => this.broadcast(), FRAME_MS);
        this.timer.unref();
        return {
          message: () => undefined,
          drain: () => undefined,
          closed: () => {
            this.peers.delete(peer);
            if (this.peers.size === 0) this.stop();
          },
        };
      },
    };
  }

  private broadcast(): void {
    const ready = [...this.peers].filter((p) => p.bufferedBytes() < PEER_BACKLOG_BYTES);
    if (ready.length === 0) return;
    let frame: string;
    try {
      frame = this.frame();
    } catch (err) {
      // The next second tries again; a timer callback that throws would end the process.
      console.error('riffle: the dashboard frame failed:', err);
      return;
    }
    for (const peer of ready) peer.send(frame);
  }

  stop(): void {
    if (this.timer !== null) clearInterval(this.timer);
    this.timer = null;
  }
}
