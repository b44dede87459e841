import { Injectable } from '@nestjs/common';
import { PassportStrategy } from '@nestjs/passport';
import { ExtractJwt, Strategy } from 'passport-jwt';
import { AppConfig } from '../config/app-config';
import { jwtKey } from './jwt-key';
import type { AccessTokenClaims, Principal } from './principal';

@Injectable()
export class JwtStrategy extends PassportStrategy(Strategy) {
  constructor(config: AppConfig) {
    super({
      jwtFromRequest: ExtractJwt.fromAuthHeaderAsBearerToken(),
      // A KeyObject, not the string: see jwtKey. (passport-jwt hands it to jsonwebtoken as is.)
      secretOrKey: jwtKey(config) as unknown as string,
      algorithms: ['HS256'],
      ignoreExpiration: false,
    });
  }

  validate(claims: AccessTokenClaims): Principal {
    return { userId: claims.sub, tenantId: claims.tid ?? '', region: claims.rgn ?? '', role: claims.role, sessionId: claims.sid };
  }
}
