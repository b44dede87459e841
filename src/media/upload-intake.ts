import { Injectable } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { invalid } from '../../libs/domain/src';
import { Semaphore } from '../common/semaphore';
import { AppConfig } from '../config/app-config';

/** The file part of a multipart upload, as a stream. */
export interface ReceivedFile {
  stream: AsyncIterable<Uint8Array>;
  fileName?: string;
}

interface MultipartRequest {
  isMultipart(): boolean;
  file(): Promise<{ fieldname: string; filename: string; file: AsyncIterable<Uint8Array> } | undefined>;
}

/**
 * Reads the file of a multipart upload (part `file`), a limited number per process at once
 * (MEDIA_UPLOADS_AT_ONCE). The multipart parser is started only once an upload's turn comes: a
 * waiting request is not read, so its socket holds at most the piece that came with its headers
 * and TCP holds the rest, instead of each of 200 concurrent uploads keeping a pipeline of socket,
 * parser and file stream buffers filled (bench:media). Nothing is refused for waiting. An upload
 * reading for longer than MEDIA_UPLOAD_TURN_SECONDS (a slow or stalled client) stops counting,
 * so it delays the next in line by at most that.
 */
@Injectable()
export class UploadIntake {
  private readonly turns: Semaphore;

  constructor(config: AppConfig) {
    this.turns = new Semaphore(config.mediaUploadsAtOnce, config.mediaUploadTurnSeconds * 1000);
  }

  /** Uploads waiting for their turn (nothing of their body read yet). */
  get waiting(): number {
    return this.turns.waiting;
  }

  /** Runs `store` on the request's file during the upload's turn; its answer is the upload's. */
  async receive<T>(req: FastifyRequest, store: (file: ReceivedFile) => Promise<T>): Promise<T> {
    const multipart = req as unknown as MultipartRequest;
    if (!multipart.isMultipart()) throw invalid('UPLOAD_FILE_REQUIRED', 'Send the file as multipart/form-data, part `file`');
    return this.turns.run(async () => {
      // A client that gave up while waiting: its body will never come, so its turn is not spent on it.
      if (req.raw.destroyed || req.raw.socket?.destroyed) throw invalid('UPLOAD_FILE_REQUIRED', 'The request ended before its file was read');
      const part = await multipart.file();
      if (!part || part.fieldname !== 'file') throw invalid('UPLOAD_FILE_REQUIRED', 'The multipart body has no part named `file`');
      return store({ stream: part.file, fileName: part.filename });
    });
  }
}
