/**
 * /datamesh/info/1.0.0, as a libp2p service:
 *
 *   services: { info: infoProtocol({ nodeType: 'storage', store, perOwnerQuota }) }
 *   const info = await node.services.info.info(peerId)
 */
import type { ProtocolComponents } from '../protocol/components.ts'
import { DataMeshInfo, type InfoInit, type InfoService } from './service.ts'

export type InfoComponents = ProtocolComponents

export function infoProtocol (init: InfoInit): (components: InfoComponents) => InfoService {
  return (components) => new DataMeshInfo(components, init)
}

export { INFO_PROTOCOL } from '../protocol/constants.ts'
export type { NodeInfo, NodeType } from '../protocol/info-messages.ts'
export type { InfoInit, InfoService } from './service.ts'
