// Push URL templates of CDN lines: an rtmp:// URL with `{room}` where the
// room id goes, e.g. rtmp://push.cdn-a.example/live/{room}?token=abc.
export const ROOM_PLACEHOLDER = '{room}';

/** Why a template is unusable, or undefined when it is fine. */
export function templateProblem(template: string): string | undefined {
  if (!template.includes(ROOM_PLACEHOLDER)) return `must contain ${ROOM_PLACEHOLDER}`;
  let url: URL;
  try {
    url = new URL(template.replaceAll(ROOM_PLACEHOLDER, 'room'));
  } catch {
    return 'is not a URL';
  }
  if (url.protocol !== 'rtmp:') return 'must be an rtmp:// URL';
  if (!url.hostname) return 'needs a host';
  // node-media-server's relay takes the app and stream from the first two path segments.
  if (url.pathname.split('/').filter(Boolean).length < 2) return 'needs an app and a stream name, e.g. /live/{room}';
  return undefined;
}

export function pushUrl(template: string, roomId: string): string {
  return template.replaceAll(ROOM_PLACEHOLDER, encodeURIComponent(roomId));
}
