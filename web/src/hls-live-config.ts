// hls.js settings for live LL-HLS, shared by the player page (src/player.ts) and the app's
// fallback from WebSocket (src/app/live-player.ts).
//
// Latency is the server's to choose: with lowLatencyMode hls.js holds PART-HOLD-BACK (0.9 s:
// three 0.3 s parts) behind the live edge. Setting liveSyncDuration(Count) here would override
// it, so only the catch-up behaviour is tuned: play up to 1.5x while behind the target (hls.js
// does so only with more than 1 s buffered ahead), and let a stall raise the target by a tenth of
// a second, not a whole one (its default): each stall's raise stays for the session, and on a
// busy machine the first seconds often stall once or twice.
import type { HlsConfig } from 'hls.js/light';

export const LIVE_HLS_CONFIG: Partial<HlsConfig> = {
  lowLatencyMode: true,
  maxLiveSyncPlaybackRate: 1.5,
  liveSyncOnStallIncrease: 0.1,
  liveDurationInfinity: true,
  backBufferLength: 10,
};
