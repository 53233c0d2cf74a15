import { createHash } from 'node:crypto';
import { Controller, Get, Inject, NotFoundException, Param, Req, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { ConsoleAsset } from './console-assets';

/** DI token: the console's files, read at start. */
export const CONSOLE_ASSETS = Symbol('CONSOLE_ASSETS');

/**
 * The finance and audit console: static files only. The page calls /finance and /audit with the
 * key the user typed, kept in sessionStorage; this controller never sees a key.
 */
@Controller('console')
@ApiExcludeController()
export class ConsoleController {
  private readonly policy: string;

  constructor(@Inject(CONSOLE_ASSETS) private readonly assets: Map<string, ConsoleAsset>) {
    // The page's one inline script is its import map: allowed by its hash, nothing else inline.
    const page = assets.get('index.html')?.body.toString('utf8') ?? '';
    const importMap = /<script type="importmap">([\s\S]*?)<\/script>/.exec(page)?.[1] ?? '';
    const hash = createHash('sha256').update(importMap, 'utf8').digest('base64');
    this.policy = [
      "default-src 'self'",
      `script-src 'self' 'sha256-${hash}'`,
      "style-src 'self'",
      "img-src 'self' data: blob:",
      "connect-src 'self'",
      "frame-ancestors 'none'",
      "base-uri 'none'",
      "form-action 'none'",
    ].join('; ');
  }

  @Get()
  page(@Req() request: FastifyRequest, @Res() reply: FastifyReply) {
    return this.send('index.html', request, reply);
  }

  @Get(':file')
  file(@Param('file') file: string, @Req() request: FastifyRequest, @Res() reply: FastifyReply) {
    return this.send(file === '' ? 'index.html' : file, request, reply);
  }

  @Get('vendor/:file')
  vendor(@Param('file') file: string, @Req() request: FastifyRequest, @Res() reply: FastifyReply) {
    return this.send(`vendor/${file}`, request, reply);
  }

  private send(name: string, request: FastifyRequest, reply: FastifyReply) {
    const asset = this.assets.get(name);
    if (!asset) throw new NotFoundException(`No console file ${name}`);
    reply
      .header('Content-Type', asset.type)
      .header('ETag', asset.etag)
      .header('Cache-Control', 'no-cache')
      .header('X-Content-Type-Options', 'nosniff')
      .header('Referrer-Policy', 'no-referrer');
    if (name === 'index.html') reply.header('Content-Security-Policy', this.policy);
    if (request.headers['if-none-match'] === asset.etag) return reply.status(304).send();
    return reply.send(asset.body);
  }
}
