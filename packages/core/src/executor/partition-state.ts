/**
 * The state of one state partition, as the worker that owns it sees it: each stateful
 * operator opens only that partition's store (`state/<operator>/<partition>/`), and every
 * key it routes lands there, because the shuffle sent it only the rows whose key hashes to
 * this partition. The checkpoint layout is the one the coordinating thread writes; which
 * worker owns a partition is not recorded anywhere, so a restart may use any thread count.
 */
import { OperatorState, partitionOf, StateManager } from '../state/state-manager.js'
import type { StateStoreProvider } from '../state/state-store.js'

export class PartitionStateManager extends StateManager {
  constructor(
    provider: StateStoreProvider,
    rootDir: string,
    partitions: number,
    readonly partition: number,
  ) {
    super(provider, rootDir, partitions)
  }

  override ownsKey(key: string): boolean {
    return partitionOf(key, this.partitions) === this.partition
  }

  override async openOperator(operatorId: number, version: number): Promise<OperatorState> {
    const store = await this.provider.load(this.rootDir, operatorId, this.partition, version)
    this.open.push(store)
    return new OperatorState(operatorId, [store])
  }
}
