import { IsBoolean, IsOptional } from 'class-validator';

/** What the module's metrics, spans and diagnostics channels may show. */
export class TelemetryOptions {
  /**
   * Put KV key names in metric attributes (`vault.secret.key`), span paths and diagnostics channel
   * paths and rotation messages. Default `false`: key names can be sensitive, and they make many series.
   */
  @IsOptional()
  @IsBoolean({ message: 'telemetry.includeKeyNames must be true or false' })
  includeKeyNames?: boolean;
}
