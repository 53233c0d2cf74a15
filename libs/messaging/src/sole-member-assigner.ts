import { AssignerProtocol, type PartitionAssigner } from 'kafkajs';

const NAME = 'RoamledgerSoleMember';
const HOLDS = Buffer.from('holds');

/**
 * Every partition of every subscribed topic to one member of the group; the others stand by.
 * Sticky: a member that holds the partitions says so when it rejoins, and keeps them, so a new
 * member joining (a replica starting) does not move the work. Otherwise the first member by id.
 */
export function soleMemberAssigner(holds: () => boolean): PartitionAssigner {
  return ({ cluster }) => ({
    name: NAME,
    version: 0,
    async assign({ members, topics }) {
      const ids = members.map((member) => member.memberId).sort();
      const holders = members
        .filter((member) => AssignerProtocol.MemberMetadata.decode(member.memberMetadata)?.userData?.equals(HOLDS))
        .map((member) => member.memberId)
        .sort();
      const chosen = holders[0] ?? ids[0];
      const all: Record<string, number[]> = {};
      for (const topic of topics)
        all[topic] = cluster.findTopicPartitionMetadata(topic).map((partition) => partition.partitionId);
      const encode = (assignment: Record<string, number[]>) =>
        AssignerProtocol.MemberAssignment.encode({ version: 0, assignment, userData: Buffer.alloc(0) });
      return ids.map((memberId) => ({ memberId, memberAssignment: encode(memberId === chosen ? all : {}) }));
    },
    protocol({ topics }) {
      return {
        name: NAME,
        metadata: AssignerProtocol.MemberMetadata.encode({ version: 0, topics, userData: holds() ? HOLDS : Buffer.alloc(0) }),
      };
    },
  });
}
