// hls.js ships its light build (no alternate audio, subtitles, DRM or CMCD: none of which a
// camera stream has) without its own type declarations; its API is the full build's.
declare module 'hls.js/light' {
  export * from 'hls.js';
  export { default } from 'hls.js';
}
