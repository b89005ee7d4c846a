/** The client side of /datamesh/info/1.0.0. */
import type { PeerId } from '@libp2p/interface'
import type { AbortOptions } from '../../store/types.ts'
import type { ConnectionManagerSlice } from '../protocol/components.ts'
import { INFO_PROTOCOL } from '../protocol/constants.ts'
import { sendRequest } from '../protocol/exchange.ts'
import { decodeInfoResponse, encodeInfoRequest, INFO_RESPONSE_LIMITS, type NodeInfo } from '../protocol/info-messages.ts'

/** Ask `peer` what it is and how much room it has. */
export async function requestInfo (connectionManager: ConnectionManagerSlice, peer: PeerId, timeout: number, options: AbortOptions = {}): Promise<NodeInfo> {
  const sendOptions = { timeout, maxResponseBytes: INFO_RESPONSE_LIMITS.maxBytes, ...(options.signal !== undefined ? { signal: options.signal } : {}) }
  const answer = await sendRequest(connectionManager, peer, INFO_PROTOCOL, encodeInfoRequest(), sendOptions)
  return decodeInfoResponse(answer)
}
