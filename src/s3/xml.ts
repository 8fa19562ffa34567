// The XML S3's REST API answers with: escaping, elements, documents in S3's namespace, and the error
// document (docs.aws.amazon.com/AmazonS3/latest/API/ErrorResponses.html, "REST error responses").

export const S3_XMLNS = 'http://s3.amazonaws.com/doc/2006-03-01/';
const DECLARATION = '<?xml version="1.0" encoding="UTF-8"?>\n';

const ENTITIES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' };

/**
 * Text and attribute values. Control characters go as character references, so a key holding
 * CR or LF keeps them through parsers that normalise line ends (S3's "XML related object key
 * constraints"); a client that needs such keys intact asks for encoding-type=url.
 */
export function escapeXml(text: string): string {
  return text.replace(/[&<>"'\u0000-\u001f]/g, (c) => ENTITIES[c] ?? `&#x${c.charCodeAt(0).toString(16).toUpperCase()};`);
}

/** `<name>value</name>`, the value escaped. */
export function el(name: string, value: string | number | boolean): string {
  return `<${name}>${escapeXml(String(value))}</${name}>`;
}

/** A response document: the declaration, then `<root xmlns="...">children</root>`. */
export function xmlDocument(root: string, children: string): string {
  return `${DECLARATION}<${root} xmlns="${S3_XMLNS}">${children}</${root}>`;
}

/** `<Error><Code/><Message/>details<RequestId/><HostId/></Error>`, as S3 sends it (no namespace). */
export function errorDocument(
  code: string,
  message: string,
  details: ReadonlyArray<readonly [string, string]>,
  requestId: string,
  hostId: string,
): string {
  const extra = details.map(([name, value]) => el(name, value)).join('');
  return `${DECLARATION}<Error>${el('Code', code)}${el('Message', message)}${extra}${el('RequestId', requestId)}${el('HostId', hostId)}</Error>`;
}
