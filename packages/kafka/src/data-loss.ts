/**
 * Data loss: offsets the query should read that Kafka no longer has (retention deleted them,
 * the topic was deleted or re-created, partitions vanished). With failOnDataLoss (the
 * default) the query stops with an error naming topic, partition and offsets; without it,
 * the query warns, counts the loss in its metrics, and goes on from what is available.
 */
import { TributaryError } from '@tributary/core'

export class KafkaDataLossError extends TributaryError {}

const IF_FAIL =
  'Some data may have been lost because it is no longer available in Kafka: it aged out (retention), or the topic was deleted or re-created before the query read it. If you accept losing it, set the source option failOnDataLoss to false: the query then goes on from the earliest offsets available.'

const IF_GO_ON =
  'failOnDataLoss is false, so the query goes on from the earliest offsets available. Set it to true to stop instead.'

export class DataLossReporter {
  private events = 0

  constructor(
    readonly failOnDataLoss: boolean,
    private readonly warn: (message: string) => void = (m) => console.warn(m),
  ) {}

  /** Throws when failing on data loss; otherwise warns and counts. */
  report(message: string): void {
    if (this.failOnDataLoss)
      throw new KafkaDataLossError(`KAFKA_DATA_LOSS: ${message}. ${IF_FAIL}`, 'KAFKA_DATA_LOSS')
    this.events++
    this.warn(`[tributary] kafka source: ${message}. ${IF_GO_ON}`)
  }

  get count(): number {
    return this.events
  }
}
