/**
 * `weft-server token`: print an access token, signed with the server's secret (or a private
 * key), for scripts and for trying authentication out.
 */

import { createPrivateKey } from 'node:crypto'
import { readFile } from 'node:fs/promises'
import { parseArgs } from 'node:util'
import { createToken } from '../auth/create-token.js'
import { ConfigError, duration, oneOf, text, type ValueParser } from '../config/parse-value.js'

/** Help text of the subcommand. */
export const TOKEN_HELP = `Usage: weft-server token --doc <name|prefix*> --access read|write --user <id> [options]

Prints a signed access token for the sync server.

  --doc <pattern>       document name, prefix ending in * (team/*), or * (repeatable)
  --access read|write   read: receive and send presence; write: also edit
  --user <id>           user id (the token's subject)
  --name <text>         display name shown to others (default: the user id)
  --ttl <duration>      lifetime: 30s, 15m, 1h, 168h (default 1h)
  --auth-secret <text>  HS256 secret (default: env WEFT_AUTH_SECRET)
  --private-key <file>  sign with an EC P-256 (ES256) or RSA (RS256) private key instead
`

/** Run the subcommand with its arguments; resolves with the token. */
export async function runTokenCommand(
  argv: readonly string[],
  env: Readonly<Record<string, string | undefined>>,
): Promise<string> {
  let values: Record<string, string | string[] | boolean | undefined>
  try {
    values = parseArgs({
      args: [...argv],
      options: {
        doc: { type: 'string', multiple: true },
        access: { type: 'string' },
        user: { type: 'string' },
        name: { type: 'string' },
        ttl: { type: 'string', default: '1h' },
        'auth-secret': { type: 'string' },
        'private-key': { type: 'string' },
      },
      strict: true,
      allowPositionals: false,
    }).values
  } catch (error) {
    throw new ConfigError(
      (error instanceof Error ? error.message : String(error)).split('\n')[0] ?? '',
    )
  }
  const docs = (values.doc as string[] | undefined) ?? []
  if (docs.length === 0) throw new ConfigError('--doc is required')
  const access = flag('--access', oneOf(['read', 'write'] as const), values.access)
  const user = flag('--user', text, values.user)
  const ttlMs = flag('--ttl', duration(1000, 366 * 24 * 3_600_000), values.ttl)
  const name = typeof values.name === 'string' ? values.name : undefined
  const privateKeyFile = values['private-key']
  if (typeof privateKeyFile === 'string') {
    const key = createPrivateKey(await readFile(privateKeyFile, 'utf8'))
    const algorithm = key.asymmetricKeyType === 'ec' ? 'ES256' : 'RS256'
    return createToken({
      key,
      algorithm,
      user,
      doc: docs,
      access,
      ttlSeconds: ttlMs / 1000,
      ...(name ? { name } : {}),
    })
  }
  const secret = (values['auth-secret'] as string | undefined) ?? env.WEFT_AUTH_SECRET
  if (secret === undefined || secret === '') {
    throw new ConfigError('set --auth-secret (or WEFT_AUTH_SECRET), or --private-key')
  }
  return createToken({
    key: secret,
    user,
    doc: docs,
    access,
    ttlSeconds: Math.floor(ttlMs / 1000),
    ...(name ? { name } : {}),
  })
}

function flag<T>(name: string, parser: ValueParser<T>, value: unknown): T {
  if (typeof value !== 'string') throw new ConfigError(`${name} is required`)
  try {
    return parser.parse(value)
  } catch (error) {
    if (error instanceof ConfigError) throw new ConfigError(`${name} ${error.message}`)
    throw error
  }
}
