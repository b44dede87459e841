import { Body, Controller, HttpCode, Ip, Post } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { OperatorsService } from './operators.service';
import { LoginDto } from './tenancy.dto';

/** Sign-in of platform staff (their token reaches a tenant only through its access grant). */
@ApiTags('auth')
@Controller('api/auth')
export class OperatorAuthController {
  constructor(private readonly operators: OperatorsService) {}

  @Post('operator-login')
  @HttpCode(200)
  login(@Body() body: LoginDto, @Ip() ip: string) {
    return this.operators.login(body.email, body.password, ip);
  }
}
