import type { MediaType, OpenApiDocument, Operation, Parameter, Ref, Response, Schema } from '../../integration-files/openapi/build-openapi.js';

const escape = (text: string): string =>
  text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

/** The little markdown the document's descriptions use: `code` spans... */
const inline = (text: string): string => escape(text).replace(/`([^`]+)`/g, '<code>$1</code>');

/** ...and paragraphs. */
function prose(text: string | undefined): string {
  if (!text) return '';
  return text
    .split(/\n{2,}/)
    .map((paragraph) => `<p>${inline(paragraph)}</p>`)
    .join('');
}

const isRef = (value: unknown): value is Ref => typeof value === 'object' && value !== null && '$ref' in value;
const refName = (ref: Ref): string => ref.$ref.split('/').at(-1)!;
const anchor = (kind: string, name: string): string => `${kind}-${name.replace(/[^A-Za-z0-9_-]/g, '-')}`;

/** A one-line type description of a schema, with links to named components. */
function typeOf(schema: Schema | Ref | undefined): string {
  if (!schema) return 'any';
  if (isRef(schema)) return `<a href="#${anchor('schema', refName(schema))}">${escape(refName(schema))}</a>`;
  const alternatives = (schema.anyOf ?? schema.oneOf) as (Schema | Ref)[] | undefined;
  if (alternatives) return alternatives.map(typeOf).join(' | ');
  if (schema.const !== undefined) return `<code>${escape(JSON.stringify(schema.const))}</code>`;
  if (Array.isArray(schema.enum)) return schema.enum.map((v) => `<code>${escape(JSON.stringify(v))}</code>`).join(' | ');
  if (schema.type === 'array') return `${typeOf(schema.items as Schema | Ref | undefined)}[]`;
  if (schema.type === 'object' && schema.additionalProperties && typeof schema.additionalProperties === 'object') {
    return `map of ${typeOf(schema.additionalProperties as Schema | Ref)}`;
  }
  return escape(Array.isArray(schema.type) ? schema.type.join(' | ') : String(schema.type ?? 'any'));
}

/** Constraints worth telling a reader: formats, patterns, bounds, defaults. */
function constraints(schema: Schema | Ref | undefined): string {
  if (!schema || isRef(schema)) return '';
  const words: string[] = [];
  const add = (label: string, key: string) => schema[key] !== undefined && words.push(`${label} ${JSON.stringify(schema[key])}`);
  add('format', 'format');
  add('pattern', 'pattern');
  add('min', 'minimum');
  add('above', 'exclusiveMinimum');
  add('max', 'maximum');
  add('min length', 'minLength');
  add('max length', 'maxLength');
  add('at most', 'maxItems');
  add('default', 'default');
  return words.length > 0 ? `<span class="muted">${escape(words.join(', '))}</span>` : '';
}

function propertiesTable(schema: Schema): string {
  const properties = (schema.properties ?? {}) as Record<string, Schema | Ref>;
  const required = new Set((schema.required ?? []) as string[]);
  const rows = Object.entries(properties).map(
    ([name, property]) =>
      `<tr><td><code>${escape(name)}</code>${required.has(name) ? ' <span class="req">required</span>' : ''}</td><td>${typeOf(property)}</td><td>${constraints(property)}</td></tr>`,
  );
  if (rows.length === 0) return `<p>${typeOf(schema)} ${constraints(schema)}</p>`;
  const extra = schema.additionalProperties === false ? '<p class="muted">No other fields are accepted.</p>' : '';
  return `<table><thead><tr><th>Field</th><th>Type</th><th>Constraints</th></tr></thead><tbody>${rows.join('')}</tbody></table>${extra}`;
}

function parametersTable(parameters: Parameter[] | undefined): string {
  if (!parameters?.length) return '';
  const rows = parameters.map(
    (p) =>
      `<tr><td><code>${escape(p.name)}</code>${p.required ? ' <span class="req">required</span>' : ''}</td><td>${p.in}</td><td>${typeOf(p.schema)} ${constraints(p.schema)}</td><td>${inline(p.description ?? '')}</td></tr>`,
  );
  return `<h4>Parameters</h4><table><thead><tr><th>Name</th><th>In</th><th>Type</th><th>Notes</th></tr></thead><tbody>${rows.join('')}</tbody></table>`;
}

function contentList(content: Record<string, MediaType> | undefined): string {
  if (!content) return '';
  const entries = Object.entries(content).map(([mediaType, media]) => `<code>${escape(mediaType)}</code>: ${typeOf(media.schema)}`);
  return entries.length === 1 ? `<div>${entries[0]}</div>` : `<ul>${entries.map((e) => `<li>${e}</li>`).join('')}</ul>`;
}

function responsesList(doc: OpenApiDocument, responses: Record<string, Response | Ref>): string {
  const rows = Object.entries(responses).map(([status, value]) => {
    const response = isRef(value) ? doc.components.responses[refName(value)]! : value;
    const headers = Object.keys(response.headers ?? {});
    const headerNote = headers.length > 0 ? ` <span class="muted">headers: ${escape(headers.join(', '))}</span>` : '';
    return `<tr><td class="status s${status[0]}">${escape(status)}</td><td>${inline(response.description)}${headerNote}${contentList(response.content)}</td></tr>`;
  });
  return `<h4>Responses</h4><table><tbody>${rows.join('')}</tbody></table>`;
}

function security(operation: Operation): string {
  if (!operation.security) return '<p class="auth">Public</p>';
  const scopes = [...new Set(operation.security.flatMap((alternative) => Object.values(alternative).flat()))];
  const schemes = operation.security.flatMap((alternative) => Object.keys(alternative));
  return `<p class="auth">Needs scope ${scopes.map((s) => `<code>${escape(s)}</code>`).join(', ')} via ${escape(schemes.join(' or '))}</p>`;
}

function renderOperation(doc: OpenApiDocument, path: string, method: string, operation: Operation): string {
  const body = operation.requestBody ? `<h4>Request body</h4>${contentList(operation.requestBody.content)}` : '';
  return `<section class="op" id="${anchor('op', operation.operationId)}">
<h3><span class="method ${method}">${method.toUpperCase()}</span> <code>${escape(path)}</code> <span class="summary">${escape(operation.summary)}</span></h3>
${security(operation)}${prose(operation.description)}${parametersTable(operation.parameters)}${body}${responsesList(doc, operation.responses)}
</section>`;
}

/**
 * A readable, self-contained HTML rendering of an OpenAPI document: plain HTML with one inline
 * stylesheet, no script and no third-party assets, so it works where no CDN is reachable.
 */
export function renderDocsPage(doc: OpenApiDocument): string {
  const operations = Object.entries(doc.paths).flatMap(([path, item]) =>
    Object.entries(item).map(([method, operation]) => ({ path, method, operation })),
  );
  const byTag = doc.tags.map((tag) => ({ tag, ops: operations.filter((o) => o.operation.tags.includes(tag.name)) }));
  const nav = byTag
    .map(
      ({ tag, ops }) =>
        `<li>${escape(tag.name)}<ul>${ops
          .map((o) => `<li><a href="#${anchor('op', o.operation.operationId)}"><span class="method ${o.method}">${o.method.toUpperCase()}</span> ${escape(o.path)}</a></li>`)
          .join('')}</ul></li>`,
    )
    .join('');
  const sections = byTag
    .map(({ tag, ops }) => `<h2>${escape(tag.name)}</h2>${prose(tag.description)}${ops.map((o) => renderOperation(doc, o.path, o.method, o.operation)).join('')}`)
    .join('');
  const schemas = Object.entries(doc.components.schemas)
    .map(([name, schema]) => `<section class="schema" id="${anchor('schema', name)}"><h3>${escape(name)}</h3>${prose(schema.description as string | undefined)}${propertiesTable(schema)}</section>`)
    .join('');
  const schemes = Object.entries(doc.components.securitySchemes)
    .map(([name, scheme]) => `<li><code>${escape(name)}</code>: ${escape(String(scheme.description ?? ''))}</li>`)
    .join('');
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escape(doc.info.title)} ${escape(doc.info.version)}</title>
<style>
body{font:15px/1.5 system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:0;color:#1d2327;display:grid;grid-template-columns:18rem 1fr}
nav{position:sticky;top:0;height:100vh;overflow:auto;background:#f4f6f8;padding:1rem;border-right:1px solid #dde3e8;font-size:13px}
nav ul{list-style:none;padding-left:.5rem}nav a{color:inherit;text-decoration:none}
main{padding:1.5rem 2.5rem;max-width:60rem}
code{font:13px ui-monospace,Menlo,Consolas,monospace;background:#f0f2f4;padding:0 .25em;border-radius:3px}
table{border-collapse:collapse;width:100%;margin:.5rem 0}td,th{border-bottom:1px solid #e6e9ec;padding:.3rem .5rem;text-align:left;vertical-align:top}
.op,.schema{border:1px solid #dde3e8;border-radius:6px;padding:.5rem 1rem;margin:1rem 0}
.method{font:bold 12px ui-monospace,monospace;padding:.1rem .4rem;border-radius:3px;color:#fff;background:#555}
.get{background:#1f7a4d}.post{background:#1d5fa8}.patch{background:#9a5b00}.put{background:#6b3fa0}.delete{background:#b3261e}
.summary{font-weight:normal;color:#444}.muted{color:#667}.req{color:#b3261e;font-size:12px}.auth{font-size:13px;color:#445}
.status{font-weight:bold;width:4rem}.s2{color:#1f7a4d}.s4{color:#9a5b00}.s5{color:#b3261e}
</style>
</head>
<body>
<nav><strong>${escape(doc.info.title)}</strong><ul>${nav}<li><a href="#schemas">Schemas</a></li></ul></nav>
<main>
<h1>${escape(doc.info.title)} <small class="muted">${escape(doc.info.version)}</small></h1>
<p>${escape(doc.info.summary)} The machine-readable document is at <a href="openapi.json">openapi.json</a>.</p>
${prose(doc.info.description)}
<h2>Authentication</h2><ul>${schemes}</ul>
${sections}
<h2 id="schemas">Schemas</h2>
${schemas}
</main>
</body>
</html>
`;
}

