// Push URL templates of CDN lines: an rtmp:// URL with `{room}` where the
// room id goes, e.g. rtmp://push.cdn-a.example/live/{room}?token=abc.
export const ROOM_PLACEHOLDER = '{room}';

/** The template, room filled in, as a URL of one of `schemes` with a host; else why it is unusable. */
export function templateUrl(template: string, schemes: readonly string[]): URL | string {
  if (!template.includes(ROOM_PLACEHOLDER)) return `must contain ${ROOM_PLACEHOLDER}`;
  let url: URL;
  try {
    url = new URL(template.replaceAll(ROOM_PLACEHOLDER, 'room'));
  } catch {
    return 'is not a URL';
  }
  if (!schemes.includes(url.protocol)) return `scheme must be ${schemes.map((s) => `${s}//`).join(' or ')}`;
  if (!url.hostname) return 'needs a host';
  return url;
}

/** Why a push template is unusable, or undefined when it is fine. */
export function templateProblem(template: string): string | undefined {
  const url = templateUrl(template, ['rtmp:']);
  if (typeof url === 'string') return url;
  // node-media-server's relay takes the app and stream from the first two path segments.
  if (url.pathname.split('/').filter(Boolean).length < 2) return 'needs an app and a stream name, e.g. /live/{room}';
  return undefined;
}

/** A template with the room filled in (push and pull templates alike). */
export function fillTemplate(template: string, roomId: string): string {
  return template.replaceAll(ROOM_PLACEHOLDER, encodeURIComponent(roomId));
}
