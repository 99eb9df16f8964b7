// `attrib reconcile`: the Bedrock bill held against the logs, and with --split the billed dollars by user.

import ArgumentParser
import AttribCore

struct Reconcile: DocumentCommand {
    static let configuration = CommandConfiguration(
        abstract: "Hold the Bedrock bill against the logs: what the logs explain, and whose it is in billed dollars.",
        discussion: """
            Needs a bill in the store: `attrib ingest` a CUR 2.0 (Data Exports) or legacy CUR CSV, or its \
            export folder. Each billed cell (day, model and token type, in --tz) is held against the \
            model requests the logs hold for it: billed tokens, logged tokens, the share the logs explain, \
            the billed cost (what AWS charged: discounts, tiers, cross-region and Mantle rates included), \
            attrib's list-price cost of the logged tokens, and what is unexplained. Logged above billed \
            (e.g. while the bill lags a day) shows as a negative unexplained_tokens and status "logged \
            above billed", never clipped. Usage types are read into model and token type; billed model \
            names map to price-table keys through `attrib bill-models`, and logged ids meet them without \
            their ARN, provider or geo prefix (us.anthropic.claude-sonnet-4-5-... is Claude4.5Sonnet); an \
            unknown usage type or model is shown under its own name, all unexplained, and named on stderr. Credits, discounts, tax \
            and refunds are listed apart (not in the table format's main table, not in CSV).

            --by: day, week or month; model; token_type (default day,model,token_type).

            --split --by IDENTITY (user, user_email, user_sub, api_key_id, user_id, project, \
            auth_source; day/week/month, model and token_type may be added) divides each cell's billed \
            cost among the identities of its logged requests in proportion to their tokens; what the \
            bill holds beyond the logged tokens is the "unexplained" row. Money is integer \
            micro-dollars: each cell is first split into explained and unexplained, then the explained \
            part among identities, each by the largest-remainder rule (ties to the first in UTF-8 \
            order), so the rows add up to the bill exactly. With a bill that names callers \
            (line_item_iam_principal), --gateway-principal GLOB says which principal is the gateway's \
            (remembered in the store): its lines are split among the gateway's users; any other \
            principal keeps its lines as a row of its own, named as the invocation logs name it (the \
            SSO user's email), source "principal".

            --witnesses: when the store also holds Bedrock's invocation logs (mapping bedrock-invocations), \
            the three witnesses side by side per principal, model and hour, day, week or month (--by, default \
            day,principal,model; token_type may be added): invocation_tokens (what Bedrock's invocation logs \
            saw from the principal), gateway_tokens (the gateway's logs: every other source, on the gateway \
            principal's rows), billed_tokens (the bill's lines of that principal; (none) when the bill names \
            no callers; empty when its lines are longer than the bucket, e.g. daily lines --by hour), \
            gateway_share (gateway / invocation: "the router logged 98.7% of the tokens Bedrock saw from \
            its role") and invocation_share (invocation / billed). The gateway's principal shows as its glob; \
            another principal as invocation logs name it. Needs --gateway-principal (or a remembered one).

            Bedrock invocation records made by the gateway's own principal are the gateway's requests \
            again: report, mantle, gaps and reconcile leave them out of every total \
            (--include-gateway-invocations counts them too). Other principals' records (callers that \
            bypass the gateway) count, as their own principal's usage.

            --where: model, principal, day, week and month filter the logs and the bill alike; with \
            --split any other dimension (user_email, source, ...) filters the split rows (each cell is \
            still split over all its logged requests); without --split such a filter is refused (exit 64).

            EXAMPLES:
              attrib ingest logs/ cur-export/
              attrib reconcile --by day,model
              attrib reconcile --where model~'*kimi*' --by day
              attrib reconcile --split --by user_email --where model=moonshotai.kimi-k2.5
              attrib reconcile --split --by user --gateway-principal '*:assumed-role/llm-router-task/*'
              attrib reconcile --witnesses --by day,principal,model
              attrib reconcile --split --by user_email --where user_email~'*@example.com'
            """
    )

    @OptionGroup var global: GlobalOptions

    @Option(
        name: .long,
        help: ArgumentHelp(
            "Columns, comma-separated: day|week|month, model, token_type (default day,model,token_type); with --split one identity dimension; with --witnesses hour|day|week|month, principal, model, token_type (default day,principal,model).",
            valueName: "dims"))
    var by: String?

    @Flag(
        name: .long,
        help: "Bedrock's invocation logs, the gateway's logs and the bill side by side, per principal, model and time.")
    var witnesses = false

    @Flag(name: .long, help: "Split the billed dollars among the identities the logs hold for each cell.")
    var split = false

    @Option(
        name: .long,
        help: ArgumentHelp(
            "The gateway's own IAM principal in the bill (a glob on line_item_iam_principal); remembered in the store.",
            valueName: "glob"))
    var gatewayPrincipal: String?

    @OptionGroup var time: TimeOptions

    @Option(
        name: .customLong("where"),
        help: ArgumentHelp(
            "Filter: DIM=VALUE, DIM!=VALUE or DIM~GLOB on model, principal, day, week, month (any dimension with --split); repeatable.",
            valueName: "expr"))
    var filters: [String] = []

    @Option(
        name: .long,
        help: ArgumentHelp(
            "A price table for the list-price column and model keys: LiteLLM JSON, or CSV (model,input_per_mtok,output_per_mtok,cache_read_per_mtok,cache_write_per_mtok).",
            valueName: "file"))
    var prices: String?

    @OptionGroup var invocations: InvocationOptions

    @OptionGroup var output: OutputOptions

    func validate() throws {
        try usageChecked {
            if witnesses {
                if split { throw ReportError.usage("--witnesses and --split are two views: choose one") }
                _ = try witnessQuery(window: TimeWindow(), gatewayPrincipal: "*")
            } else {
                _ = try query(window: TimeWindow())
            }
        }
    }

    func query(window: TimeWindow) throws -> ReconcileQuery {
        var q = try ReconcileQuery.parse(
            by: by ?? "day,model,token_type", split: split, window: window,
            filters: try filters.map { try Filter.parse($0) }, gatewayPrincipal: gatewayPrincipal)
        q.includesGatewayInvocations = invocations.includeGatewayInvocations
        return q
    }

    func witnessQuery(window: TimeWindow, gatewayPrincipal: String) throws -> WitnessQuery {
        try WitnessQuery.parse(
            by: by ?? WitnessQuery.defaultBy, window: window, filters: try filters.map { try Filter.parse($0) },
            gatewayPrincipal: gatewayPrincipal)
    }

    func document() throws -> Document {
        let table = try loadPriceTable(prices)
        let (zone, since, until) = try time.resolve()
        let window = TimeWindow(since: since, until: until, zone: zone)
        let store = try global.openStore()  // first: a missing store is an error, never created here
        if let glob = gatewayPrincipal {
            try global.openStore(forWriting: true).setBillSetting("gateway_principal", glob)
        }
        let glob = try gatewayPrincipal ?? store.billSetting("gateway_principal")
        if witnesses {
            guard let glob else {
                throw ReportError.usage(
                    "reconcile --witnesses needs the gateway's own IAM principal: --gateway-principal GLOB (remembered in the store)"
                )
            }
            let result = try Reports.witnesses(
                try witnessQuery(window: window, gatewayPrincipal: glob), store: store, prices: table)
            if !global.quiet { for w in result.warnings { Terminal.warn(w) } }
            return Reports.document(result)
        }
        var q = try query(window: window)
        q.gatewayPrincipal = glob
        let result = try Reports.reconcile(q, store: store, prices: table)
        if !global.quiet { for w in result.warnings { Terminal.warn(w) } }
        var overlap = ReportQuery(dimensions: [], filters: q.filters.filter { $0.dimension == .source }, window: window)
        overlap.includesGatewayInvocations = q.includesGatewayInvocations
        try invocations.warnOverlap(overlap, store: store, quiet: global.quiet)
        return Reports.document(result)
    }
}
