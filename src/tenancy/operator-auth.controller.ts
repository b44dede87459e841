import { Body, Controller, HttpCode, Ip, Post } from '@nestjs/common';
import { ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { ApiErrors } from '../common/api-contract';
import { OperatorsService } from './operators.service';
import { LoginDto } from './tenancy.dto';
import { OperatorTokenResponse } from './tenancy.responses';

/** Sign-in of platform staff (their token reaches a tenant only through its access grant). */
@ApiTags('auth')
@Controller('api/auth')
export class OperatorAuthController {
  constructor(private readonly operators: OperatorsService) {}

  @Post('operator-login')
  @HttpCode(200)
  @ApiOkResponse({ type: OperatorTokenResponse })
  @ApiErrors('INVALID_CREDENTIALS', 'TOO_MANY_ATTEMPTS')
  login(@Body() body: LoginDto, @Ip() ip: string) {
    return this.operators.login(body.email, body.password, ip);
  }
}
