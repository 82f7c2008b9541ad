/**
 * nginx (Debian's, /usr/sbin/nginx) as a plain round-robin load balancer in front of some
 * servers: a private config and prefix in a temp dir (pid, logs and temp paths all inside
 * it), one worker, WebSocket upgrades passed through. Started in the foreground and stopped
 * by pid.
 */
import { type ChildProcess, spawn } from 'node:child_process'
import { once } from 'node:events'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { freePorts } from './free-ports.js'

export const NGINX_PATH = process.env.NGINX_PATH ?? '/usr/sbin/nginx'

/** A running load balancer. */
export interface LoadBalancer {
  /** `http://127.0.0.1:<port>` */
  readonly url: string
  stop(): Promise<void>
}

function config(dir: string, port: number, upstreams: readonly number[]): string {
  return `worker_processes 1;
daemon off;
pid ${dir}/nginx.pid;
error_log stderr notice;
events { worker_connections 512; }
http {
  access_log ${dir}/access.log;
  client_body_temp_path ${dir}/client_body;
  proxy_temp_path ${dir}/proxy;
  fastcgi_temp_path ${dir}/fastcgi;
  uwsgi_temp_path ${dir}/uwsgi;
  scgi_temp_path ${dir}/scgi;
  map $http_upgrade $connection_upgrade {
    default upgrade;
    '' close;
  }
  upstream weft {
${upstreams.map((p) => `    server 127.0.0.1:${p};`).join('\n')}
  }
  server {
    listen 127.0.0.1:${port};
    location / {
      proxy_pass http://weft;
      proxy_http_version 1.1;
      proxy_set_header Upgrade $http_upgrade;
      proxy_set_header Connection $connection_upgrade;
      proxy_set_header Host $http_host;
      proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
      proxy_read_timeout 1h;
      proxy_buffering off;
    }
  }
}
`
}

/** Start nginx balancing round-robin over `upstreams` (ports on 127.0.0.1). */
export async function startNginx(upstreams: readonly number[]): Promise<LoadBalancer> {
  const dir = await mkdtemp(join(tmpdir(), 'weft-nginx-'))
  const [port] = await freePorts(1)
  const conf = join(dir, 'nginx.conf')
  await writeFile(conf, config(dir, port as number, upstreams))
  const child: ChildProcess = spawn(NGINX_PATH, ['-c', conf, '-p', dir, '-e', 'stderr'], {
    stdio: ['ignore', 'ignore', 'pipe'],
  })
  const exited = once(child, 'exit')
  let log = ''
  // nginx says so on its error log (here: stderr) once its worker runs.
  await new Promise<void>((resolve, reject) => {
    child.stderr?.on('data', (chunk: Buffer) => {
      log += chunk.toString()
      if (/start worker process/.test(log)) resolve()
    })
    exited.then(([code]) => reject(new Error(`nginx exited with ${String(code)}: ${log}`)))
  })
  child.stderr?.resume()
  return {
    url: `http://127.0.0.1:${port}`,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM')
        await exited
      }
      await rm(dir, { recursive: true, force: true })
    },
  }
}
