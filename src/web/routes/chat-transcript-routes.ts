/**
 * `GET /api/v1/knowledge-workers/{userName}/chats/{connId}/transcript`: a chat's transcript
 * (messages with sender and time, and its routing events), only for the KW who handled it: the
 * session's own KW (403 for another), whose DN joined the chat (403 otherwise, never 404, so the
 * route does not tell which ConnIDs exist).
 */
import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import type { TranscriptEntry } from '../../switch/chat/chat-endpoint.ts';
import type { WebAuth } from '../auth/web-auth.ts';
import type { RouteRegistration } from '../http-server.ts';
import { ConnIdParams, ErrorReply } from './api-schemas.ts';

export interface TranscriptPort {
  transcript(connId: string): Promise<TranscriptEntry[]>;
  handledBy(connId: string, dn: string): Promise<boolean>;
}

const Entry = Type.Object({ seq: Type.Integer(), kind: Type.String(), from: Type.String(), sender: Type.String(), text: Type.String(), at: Type.Integer() });

export function chatTranscriptRoutes(deps: { auth: WebAuth; transcripts: TranscriptPort; dnOf(userName: string): string | undefined }): RouteRegistration {
  return (app: FastifyInstance) => {
    app.get('/api/v1/knowledge-workers/:userName/chats/:connId/transcript', {
      schema: { params: ConnIdParams },
      preHandler: [deps.auth.requireKw, deps.auth.requireOwn],
      config: { openapi: { tags: ['interactions'], auth: true, summary: 'The transcript of a chat the KW handled', responses: { 200: { description: 'OK', schema: Type.Array(Entry) }, 401: { description: 'Not logged in', schema: ErrorReply }, 403: { description: 'Another KW, or a chat this KW did not handle', schema: ErrorReply } } } },
    }, async (request, reply) => {
      const { userName, connId } = request.params as ConnIdParams;
      const dn = deps.dnOf(userName);
      if (dn === undefined || !(await deps.transcripts.handledBy(connId, dn))) return reply.code(403).send({ error: 'not a chat you handled' });
      const rows = await deps.transcripts.transcript(connId);
      return rows.map((r) => ({ seq: r.seq, kind: r.kind, from: r.from, sender: r.sender, text: r.text, at: r.at }));
    });
  };
}
