// `attrib reconcile`: the Bedrock bill held against the logs, and with --split the billed dollars by user.

import ArgumentParser
import AttribCore

struct Reconcile: DocumentCommand {
    static let configuration = CommandConfiguration(
        abstract: "Hold the Bedrock bill against the logs: what the logs explain, and whose it is in billed dollars.",
        discussion: """
            Needs a bill in the store: `attrib ingest` a CUR 2.0 (Data Exports) or legacy CUR CSV, or its \
            export folder. Each billed cell (day × model × token type, in --tz) is held against the \
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

            EXAMPLES:
              attrib ingest logs/ cur-export/
              attrib reconcile --by day,model
              attrib reconcile --where model~'*kimi*' --by day
              attrib reconcile --split --by user_email --where model=moonshotai.kimi-k2.5
              attrib reconcile --split --by user --gateway-principal '*:assumed-role/llm-router-task/*'
            """
    )

    @OptionGroup var global: GlobalOptions

    @Option(
        name: .long,
        help: ArgumentHelp(
            "Columns, comma-separated: day|week|month, model, token_type; with --split one identity dimension.",
            valueName: "dims"))
    var by: String = "day,model,token_type"

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
        help: ArgumentHelp("Filter on model: model=VALUE, model!=VALUE or model~GLOB; repeatable.", valueName: "expr"))
    var filters: [String] = []

    @Option(
        name: .long,
        help: ArgumentHelp(
            "A price table for the list-price column and model keys: LiteLLM JSON, or CSV (model,input_per_mtok,output_per_mtok,cache_read_per_mtok,cache_write_per_mtok).",
            valueName: "file"))
    var prices: String?

    @OptionGroup var output: OutputOptions

    func validate() throws {
        try usageChecked { _ = try query(window: TimeWindow()) }
    }

    func query(window: TimeWindow) throws -> ReconcileQuery {
        try ReconcileQuery.parse(
            by: by, split: split, window: window, filters: try filters.map { try Filter.parse($0) },
            gatewayPrincipal: gatewayPrincipal)
    }

    func document() throws -> Document {
        let table: PriceTable
        do {
            table = try prices.map { try PriceTable.load(path: $0) } ?? PriceTable.bundled()
        } catch {
            throw ReportError.data("\(error)")
        }
        let (zone, since, until) = try time.resolve()
        var q = try query(window: TimeWindow(since: since, until: until, zone: zone))
        let store = try global.openStore()  // first: a missing store is an error, never created here
        if let glob = gatewayPrincipal {
            try global.openStore(forWriting: true).setBillSetting("gateway_principal", glob)
        }
        if q.gatewayPrincipal == nil { q.gatewayPrincipal = try store.billSetting("gateway_principal") }
        let result = try Reports.reconcile(q, store: store, prices: table)
        if !global.quiet { for w in result.warnings { Terminal.warn(w) } }
        return Reports.document(result)
    }
}
