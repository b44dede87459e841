import { DynamicModule, Global, Module, OnApplicationShutdown } from '@nestjs/common';
import { AppConfig } from '../config/app-config';
import { EntityClass, RegionDatabases } from './region-databases';

@Global()
@Module({})
export class DatabaseModule implements OnApplicationShutdown {
  constructor(private readonly dbs: RegionDatabases) {}

  /** `entities`: the TypeORM mappings of every feature module, handed down by the composition root. */
  static forRoot(opts: { entities: readonly EntityClass[] }): DynamicModule {
    return {
      module: DatabaseModule,
      providers: [
        {
          provide: RegionDatabases,
          inject: [AppConfig],
          useFactory: async (config: AppConfig) => {
            const dbs = new RegionDatabases(config, opts.entities);
            await dbs.open();
            return dbs;
          },
        },
      ],
      exports: [RegionDatabases],
    };
  }

  async onApplicationShutdown(): Promise<void> {
    await this.dbs.close();
  }
}
