// Validators for Box's OpenAPI 3.0 spec (the shared, unmodified openapi.json): finds the schema the spec names for
// an operation + status and checks a body against it with ajv.
import Ajv, { type ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';
import { existsSync, readFileSync } from 'node:fs';
import * as path from 'node:path';

type Node = Record<string, unknown>;

interface Spec {
  paths: Record<string, Record<string, { responses: Record<string, Node> }>>;
  components: { schemas: Record<string, Node> };
}

/**
 * Real error codes Box documents but the spec's `ClientError.code` enum lacks (box-api.md 2.9: "Real codes are
 * more specific than the spec's enum"). Sources: guide common-errors (invalid_limit, invalid_offset,
 * access_denied_insufficient_permissions, rate_limit_exceeded, bad_gateway), the `post_zip_downloads` and
 * `get_zip_downloads_id_content` response descriptions (the zip_download_* and *_too_many_concurrent_downloads
 * codes). This list is the contract tests' only relaxation of the spec.
 */
export const DOCUMENTED_EXTRA_CODES = [
  'invalid_limit',
  'invalid_offset',
  'access_denied_insufficient_permissions',
  'rate_limit_exceeded',
  'bad_gateway',
  'zip_download_file_count_exceeded_limit',
  'zip_download_pre_compressed_bytes_exceeded_limit',
  'user_too_many_concurrent_downloads',
  // Box's error guide: "A password is required for the shared item, but it was either incorrect or not supplied."
  'incorrect_shared_item_password',
];

/** Formats the spec uses that ajv-formats does not define; they only document intent, so accept any string. */
const DESCRIPTIVE_FORMATS = [
  'digest',
  'token',
  'urn',
  'url',
  'timezone',
  'html',
  'binary',
  '<width>x<height>',
];

export function repoRoot(start = __dirname): string {
  for (let dir = start; ; dir = path.dirname(dir)) {
    if (existsSync(path.join(dir, 'package.json'))) return dir;
    if (path.dirname(dir) === dir) throw new Error(`no package.json above ${start}`);
  }
}

/** Box's OpenAPI spec lives beside the clone, in the team's shared reference folder (not in the repository). */
export function loadSpec(): Spec {
  const file =
    process.env.BOX_OPENAPI_SPEC || path.resolve(repoRoot(), '..', 'shared', 'box-api', 'openapi.json');
  if (!existsSync(file)) {
    throw new Error(
      `Box's OpenAPI spec is missing at ${file}: clone beside the team's shared/ folder, or set BOX_OPENAPI_SPEC`,
    );
  }
  return JSON.parse(readFileSync(file, 'utf8')) as Spec;
}

/** Keywords whose value is a map of name → schema (so their keys are names, never keywords). */
const SCHEMA_MAPS = new Set(['properties', 'patternProperties', 'definitions', '$defs']);
/** Keywords whose value is data, not a schema: copied verbatim. */
const DATA_KEYWORDS = new Set(['enum', 'const', 'default', 'required']);

const isNode = (value: unknown): value is Node =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

export function schemaMap(map: Node): Node {
  return Object.fromEntries(Object.entries(map).map(([name, schema]) => [name, toJsonSchema(schema)]));
}

/**
 * OpenAPI 3.0 → JSON Schema: `nullable: true` becomes a union with null (a type array when `type` is present,
 * otherwise `anyOf`), `nullable: false` is dropped, and `example`/`examples` annotations are dropped (some
 * examples contain `$id` keys that ajv would read as schema ids). Everything else is kept.
 */
export function toJsonSchema(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(toJsonSchema);
  if (!isNode(node)) return node;
  const { example: _example, examples: _examples, ...rest } = node;
  let nullable = rest.nullable;
  delete rest.nullable;
  // The spec's generator also writes a nullable reference as `allOf: [{$ref}, {}, {nullable: true}]`; in plain
  // OpenAPI 3.0 that member would be a no-op, but it clearly means "this property may be null" (Box sends
  // `"shared_link": null`), so the whole allOf becomes nullable.
  if (Array.isArray(rest.allOf)) {
    const onlyNullable = (member: unknown) =>
      isNode(member) && Object.keys(member).length === 1 && typeof member.nullable === 'boolean';
    if (rest.allOf.some((member) => onlyNullable(member) && (member as Node).nullable === true))
      nullable = true;
    rest.allOf = rest.allOf.filter((member) => !onlyNullable(member));
  }
  const out: Node = {};
  for (const [key, value] of Object.entries(rest)) {
    if (SCHEMA_MAPS.has(key) && isNode(value)) out[key] = schemaMap(value);
    else if (DATA_KEYWORDS.has(key)) out[key] = value;
    else out[key] = toJsonSchema(value);
  }
  if (nullable !== true) return out;
  if (typeof out.type === 'string') {
    out.type = [out.type, 'null'];
    if (Array.isArray(out.enum)) out.enum = [...out.enum, null];
    return out;
  }
  return { anyOf: [out, { type: 'null' }] };
}

export class SpecValidator {
  private readonly ajv = new Ajv({ strict: false, allErrors: true });
  private readonly cache = new Map<string, ValidateFunction>();

  constructor(readonly spec: Spec = loadSpec()) {
    addFormats(this.ajv);
    for (const format of DESCRIPTIVE_FORMATS) this.ajv.addFormat(format, true);
    const schemas = schemaMap(spec.components.schemas) as Record<string, Node>;
    const clientError = schemas.ClientError.properties as Record<string, Node>;
    clientError.code = {
      ...clientError.code,
      enum: [...(clientError.code.enum as string[]), ...DOCUMENTED_EXTRA_CODES],
    };
    this.ajv.addSchema({ $id: 'box', components: { schemas } });
  }

  /** The schema the spec names for this operation and status (falling back to `default`), or undefined. */
  schemaNameFor(specPath: string, method: string, status: number): string | undefined {
    const operation = this.spec.paths[specPath]?.[method.toLowerCase()];
    if (!operation) throw new Error(`spec has no ${method} ${specPath}`);
    const response = operation.responses[String(status)] ?? operation.responses.default;
    const content = response?.content as Record<string, { schema?: { $ref?: string } }> | undefined;
    return content?.['application/json']?.schema?.$ref?.split('/').pop();
  }

  validatorFor(schemaName: string): ValidateFunction {
    let validate = this.cache.get(schemaName);
    if (!validate) {
      validate = this.ajv.compile({ $ref: `box#/components/schemas/${schemaName}` });
      this.cache.set(schemaName, validate);
    }
    return validate;
  }

  /** Validates `body` against `schemaName`; returns ajv's error text, or undefined when it matches. */
  check(schemaName: string, body: unknown): string | undefined {
    const validate = this.validatorFor(schemaName);
    return validate(body) ? undefined : this.ajv.errorsText(validate.errors, { dataVar: schemaName });
  }
}
