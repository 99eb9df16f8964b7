// The HTML page as panels: each table is a command's document (or its rows cut to the top N), each chart
// is drawn from one of those tables. Nothing here adds up a number the commands do not: "others" rows are
// the runner's own row sums over the rows left out.

extension Reports {
    /// How much of the page is spelled out: the rest goes into an "others" row.
    public struct PageLimits: Sendable {
        /// Users (and Mantle users) shown by name.
        public var users: Int
        /// Models with a colour of their own in the daily chart.
        public var models: Int
        public init(users: Int = 20, models: Int = 8) {
            self.users = users
            self.models = models
        }
    }

    public static func page(_ r: PageResults, limits: PageLimits = PageLimits(), facts: [Field]) -> Page {
        Page(
            title: "LLM usage and cost", facts: facts,
            panels: [
                spendPanel(r, limits: limits), usersPanel(r, limits: limits), mantlePanel(r, limits: limits),
                gapsPanel(r),
            ] + (r.reconcile.map { [reconcilePanel($0)] } ?? []))
    }

    /// Rows beyond the first `n` summed into one row labelled `label` (the runner's own row addition), keeping
    /// any row `keep` says must stay visible. Returns the rows and the indexes of the rows drawn apart.
    static func cut(
        _ rows: [ReportRow], first n: Int, keep: (ReportRow) -> Bool = { _ in false }, label: (Int) -> String
    )
        -> (rows: [ReportRow], marked: Set<Int>)
    {
        var shown = Array(rows.prefix(n))
        var rest: [ReportRow] = []
        for row in rows.dropFirst(n) {
            if keep(row) { shown.append(row) } else { rest.append(row) }
        }
        if rest.count == 1 {
            shown.append(rest[0])
            rest = []
        }
        var marked = Set(shown.indices.filter { shown[$0].values.allSatisfy { $0 == nil } })
        if !rest.isEmpty {
            var others = ReportRow(values: shown.first.map { $0.values.map { _ in nil } } ?? [nil])
            others.values[0] = label(rest.count)
            for row in rest { others.add(row) }
            marked.insert(shown.count)
            shown.append(others)
        }
        return (shown, marked)
    }

    static func spendPanel(_ r: PageResults, limits: PageLimits) -> Panel {
        var named = r.byModel.rows.prefix(limits.models).map { $0.values[0] }
        var rest = Array(r.byModel.rows.dropFirst(limits.models))
        if rest.count == 1 {
            named.append(rest[0].values[0])
            rest = []
        }
        var cells: [String: [String?: ReportRow]] = [:]
        for row in r.byDayModel.rows { cells[row.values[0] ?? "", default: [:]][row.values[1]] = row }
        var mantle: [String: ReportRow] = [:]
        for row in r.mantleByDay.rows { mantle[row.values[0] ?? ""] = row }

        var columns = [Column("day", .dimension)]
        columns += named.map { Column($0 ?? "(no model)", .cost) }
        if !rest.isEmpty { columns.append(Column("\(rest.count) other models", .cost)) }
        columns += [Column("cost_usd", .cost), Column("mantle_cost_usd", .cost), Column("mantle_share", .share)]
        func share(_ part: Double?, _ whole: Double?) -> Cell {
            .number(part.flatMap { p in whole.flatMap { $0 > 0 ? p / $0 : nil } })
        }
        let restModels = Set(rest.map { $0.values[0] })
        var rows: [[Cell]] = []
        for day in r.byDay.rows {
            let label = day.values[0] ?? ""
            let models = cells[label] ?? [:]
            var row: [Cell] = [.text(day.values[0])]
            row += named.map { .number(models[$0].map(\.costUSD) ?? 0) }
            if !rest.isEmpty {
                var others = ReportRow(values: [])
                for (model, part) in models.sorted(by: { ($0.key ?? "") < ($1.key ?? "") })
                where restModels.contains(model) {
                    others.add(part)
                }
                row.append(.number(others.costUSD))
            }
            let mantleCost = mantle[label].map(\.costUSD) ?? 0
            row += [.number(day.costUSD), .number(mantleCost), share(mantleCost, day.costUSD)]
            rows.append(row)
        }
        var totals: [Cell] = [.text(nil)]
        totals += r.byModel.rows.prefix(named.count).map { .number($0.costUSD) }
        if !rest.isEmpty {
            var others = ReportRow(values: [])
            for row in rest { others.add(row) }
            totals.append(.number(others.costUSD))
        }
        totals += [
            .number(r.byDay.totals.costUSD), .number(r.mantleByDay.totals.costUSD),
            share(r.mantleByDay.totals.costUSD, r.byDay.totals.costUSD),
        ]
        let table = Table(columns: columns, rows: rows, totals: totals)
        let modelColumns = Array(1..<(1 + named.count + (rest.isEmpty ? 0 : 1)))
        var text = [
            "Cost per day (the request's start, in the report's time zone), one colour per model: the days of "
                + "`attrib report --by day,modelId`. The thin dark column beside each day is its Mantle spend "
                + "(`attrib mantle --by day`); the dashed line is the first day identity was logged (the cutover in "
                + "`attrib gaps`).",
            "A model without a price is never drawn as $0: its cost shows as “unpriced” in the table and adds "
                + "nothing to a column.",
        ]
        if let day = r.cutoverDay { text.append("Identity is logged from \(day) on.") }
        return Panel(
            id: "spend", title: "Spend per day", text: text,
            charts: [
                .columns(
                    ColumnChart(
                        title: "Spend per day by model, with the Mantle share", table: 0, category: 0,
                        stacked: modelColumns, companion: columns.count - 2, marker: r.cutoverDay,
                        markerLabel: "identity logged from \(r.cutoverDay ?? "")"))
            ],
            tables: [PageTable(id: "spend-by-day", Section(title: "Cost per day and model (USD)", .table(table)))])
    }

    static func usersPanel(_ r: PageResults, limits: PageLimits) -> Panel {
        var result = r.users
        let (rows, marked) = cut(result.rows, first: limits.users, label: { "(\($0) other users)" })
        result.rows = rows
        let document = Reports.document(result, title: "Top users by cost")
        let costColumn = result.dimensions.count + 6
        return Panel(
            id: "users", title: "Top users by cost",
            text: [
                "The users of `attrib report --by user` (email, else sub, else API key, else user id), most cost first; "
                    + "(none) is the requests with no identity. The users after the first \(limits.users) are one row."
            ],
            charts: [
                .bars(
                    BarChart(
                        title: "Cost per user", table: 0, label: 0, values: [costColumn],
                        absentLabel: "(none): no identity"))
            ],
            tables: [PageTable(id: "users", document.sections[0], markedRows: marked)])
    }

    static func mantlePanel(_ r: PageResults, limits: PageLimits) -> Panel {
        var result = r.mantle
        let (rows, marked) = cut(
            result.rows, first: limits.users, keep: { $0.values.allSatisfy { $0 == nil } },
            label: { "(\($0) other users)" })
        result.rows = rows
        let document = Reports.document(result, title: "Mantle spend by user", share: true)
        let costColumn = result.dimensions.count + 6
        var text = [
            "Requests on the Bedrock Mantle route (third-party models), by user: `attrib mantle`. "
                + "The row (none) is the unattributed remainder: Mantle requests that carried no identity at all."
        ]
        if let remainder = r.mantle.rows.first(where: { $0.values.allSatisfy { $0 == nil } }) {
            let cost = humanCell(.number(remainder.costUSD), .cost)
            let total = humanCell(.number(r.mantle.totals.costUSD), .cost)
            text.append("Unattributed remainder: \(cost) of \(total) Mantle spend.")
        } else if !r.mantle.rows.isEmpty {
            text.append("Every Mantle request in this window carries an identity.")
        }
        return Panel(
            id: "mantle", title: "Mantle attribution", text: text,
            charts: [
                .bars(
                    BarChart(
                        title: "Mantle cost per user", table: 0, label: 0, values: [costColumn],
                        absentLabel: "(none): unattributed remainder"))
            ],
            tables: [PageTable(id: "mantle", document.sections[0], markedRows: marked)])
    }

    static func gapsPanel(_ r: PageResults) -> Panel {
        let document = Reports.document(r.gaps)
        let ids = ["gaps-totals", "gaps-by-day", "gaps-by-statement"]
        return Panel(
            id: "gaps", title: "Identity coverage",
            text: [
                "`attrib gaps` over the same time window (it takes no --where filter): how many model requests "
                    + "carry an identity, per day and per log statement. Each day's column is its model requests; "
                    + "the thin dark column beside it is the unattributed ones.",
                r.gaps.cutover.map { "Identity first logged at \(formatISOTimestamp($0))." }
                    ?? "No line in the store carries an identity.",
            ],
            charts: [
                .columns(
                    ColumnChart(
                        title: "Model requests per day, and the unattributed ones", table: 1, category: 0, stacked: [1],
                        companion: 2, marker: r.cutoverDay, markerLabel: "identity logged from \(r.cutoverDay ?? "")")),
                .bars(
                    BarChart(
                        title: "Share of lines with identity, per log statement", table: 2, label: 0, values: [2, 3, 4])
                ),
            ],
            tables: zip(ids, document.sections).map { PageTable(id: $0, $1) })
    }

    /// `reconcile --by day`'s document as a panel: its table with each day's explained cost beside the
    /// billed and unexplained ones (reconcile's own split of the billed micro-dollars: billed = explained +
    /// unexplained), the columns stacked from the explained part, and its subtotals (all, Mantle).
    static func reconcilePanel(_ result: ReconcileResult) -> Panel {
        let document = Reports.document(result)
        guard case .table(var table) = document.sections[0].content,
            let billed = table.columns.firstIndex(where: { $0.name == "billed_cost_usd" })
        else { return Panel(id: "reconcile", title: "The bill against the logs", tables: []) }
        func explained(_ row: ReconcileRow) -> Cell { .number(dollars(row.billedMicros - row.unexplainedMicros)) }
        table.columns.insert(Column("explained_cost_usd", .cost), at: billed + 1)
        for (i, row) in result.rows.enumerated() { table.rows[i].insert(explained(row), at: billed + 1) }
        table.totals?.insert(explained(result.totals), at: billed + 1)
        let unexplained = table.columns.firstIndex { $0.name == "unexplained_cost_usd" } ?? billed + 1
        var text = [
            "The Bedrock bill held against the logs, per day: `attrib reconcile --by day` over the same time window "
                + "(--where does not apply: the bill knows no users). Each day's column is its billed cost: the part "
                + "the logged tokens explain, and above it the part the logs do not explain.",
            "The explained cost is reconcile's own split of each billed cell in proportion to the logged and "
                + "unexplained tokens (billed = explained + unexplained); adjustments (credits, discounts, tax) are "
                + "not in the days.",
        ]
        if let mantle = result.subtotals.first(where: { $0.0 == "mantle" })?.1, mantle.billedMicros != 0 {
            let cost = humanCell(.number(dollars(mantle.billedMicros)), .cost)
            let open = humanCell(.number(dollars(mantle.unexplainedMicros)), .cost)
            text.append("Mantle (the subtotals below): \(cost) billed, \(open) of it unexplained.")
        }
        text += result.warnings
        var tables = [
            PageTable(id: "reconcile-by-day", Section(title: "Billed and explained per day (USD)", .table(table)))
        ]
        if document.sections.count > 1 { tables.append(PageTable(id: "reconcile-subtotals", document.sections[1])) }
        return Panel(
            id: "reconcile", title: "The bill against the logs", text: text,
            charts: [
                .columns(
                    ColumnChart(
                        title: "Billed cost per day: explained by the logs, and unexplained", table: 0, category: 0,
                        stacked: [billed + 1, unexplained]))
            ],
            tables: tables)
    }
}
