// The HTML report's content: panels of tables (document sections) and the charts drawn from those tables.

/// One self-contained page: a title, what it covers, and its panels in order.
public struct Page: Sendable {
    public var title: String
    /// What the numbers cover (time window, filters, prices), shown under the title.
    public var facts: [Field]
    public var panels: [Panel]

    public init(title: String, facts: [Field], panels: [Panel]) {
        self.title = title
        self.facts = facts
        self.panels = panels
    }
}

/// A titled part of the page: a few lines of text, charts, and the tables the charts are drawn from.
public struct Panel: Sendable {
    /// The HTML id of the panel (an anchor for the table of contents).
    public var id: String
    public var title: String
    public var text: [String]
    public var charts: [Chart]
    public var tables: [PageTable]

    public init(id: String, title: String, text: [String] = [], charts: [Chart] = [], tables: [PageTable]) {
        self.id = id
        self.title = title
        self.text = text
        self.charts = charts
        self.tables = tables
    }
}

/// A document section on the page, with the HTML id its table gets.
public struct PageTable: Sendable {
    public var id: String
    public var section: Section
    /// Rows drawn apart (an "others" row, the unattributed remainder): their indexes in the table's rows.
    public var markedRows: Set<Int>

    public init(id: String, _ section: Section, markedRows: Set<Int> = []) {
        self.id = id
        self.section = section
        self.markedRows = markedRows
    }
}

/// A chart reads its numbers from the cells of one of its panel's tables, so every number a chart shows
/// is also in a table on the page (for a screen reader, and for a reader of the printout).
public enum Chart: Sendable {
    case columns(ColumnChart)
    case bars(BarChart)
}

/// One column per table row (a day): the `stacked` columns stacked, `companion` as a thin dark column beside
/// it (the Mantle spend, the unattributed requests), and a vertical line at the row whose category is `marker`.
public struct ColumnChart: Sendable {
    public var title: String
    /// The index of the table in the panel.
    public var table: Int
    public var category: Int
    public var stacked: [Int]
    public var companion: Int?
    public var marker: String?
    public var markerLabel: String

    public init(
        title: String, table: Int, category: Int, stacked: [Int], companion: Int? = nil, marker: String? = nil,
        markerLabel: String = ""
    ) {
        self.title = title
        self.table = table
        self.category = category
        self.stacked = stacked
        self.companion = companion
        self.marker = marker
        self.markerLabel = markerLabel
    }
}

/// One horizontal bar (or a group of bars, one per `values` column) per table row, labelled with `label`.
public struct BarChart: Sendable {
    public var title: String
    public var table: Int
    public var label: Int
    public var values: [Int]
    /// The label shown for an absent value in the label column (e.g. "no identity (unattributed)").
    public var absentLabel: String

    public init(title: String, table: Int, label: Int, values: [Int], absentLabel: String = "(none)") {
        self.title = title
        self.table = table
        self.label = label
        self.values = values
        self.absentLabel = absentLabel
    }
}
