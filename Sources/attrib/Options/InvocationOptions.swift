// --include-gateway-invocations, shared by report, mantle, gaps and reconcile, and the one warning line about
// Bedrock's invocation logs beside a gateway's.

import ArgumentParser
import AttribCore

struct InvocationOptions: ParsableArguments {
    @Flag(
        name: .long,
        help: ArgumentHelp(
            "Also count the Bedrock invocation records the gateway's own principal made (left out by default: they are the gateway's requests again).",
            discussion:
                "The gateway's principal is the glob given once with `attrib reconcile --gateway-principal GLOB` (remembered in the store)."
        ))
    var includeGatewayInvocations = false

    /// Says on stderr when the query still counts a gateway's Bedrock calls twice (nothing when it cannot).
    func warnOverlap(_ query: ReportQuery, store: Store, quiet: Bool) throws {
        guard !quiet, let overlap = try Reports.invocationOverlap(query, store: store) else { return }
        switch overlap {
        case .gatewayLeftOut: return
        case .gatewayIncluded(let glob):
            Terminal.warn(
                "--include-gateway-invocations: the Bedrock invocation records of the gateway's principal '\(glob)' are counted beside the gateway's own logs: its Bedrock calls are counted twice (--by source shows each)"
            )
        case .gatewayUnknown:
            Terminal.warn(
                "this report adds Bedrock's invocation logs to other gateways' logs and no gateway principal is known: a gateway's own Bedrock calls are in both and counted twice; name its IAM principal once with attrib reconcile --gateway-principal GLOB (remembered) and they are left out (--by source shows each; --where source=NAME picks one)"
            )
        }
    }
}
