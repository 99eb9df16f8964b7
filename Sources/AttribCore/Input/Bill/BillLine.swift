// A line of an AWS bill as attrib keeps it (Bedrock's lines only), and the sink a bill reader pushes into.

/// What a bill line is: usage, or one of the adjustments that are kept apart from it.
public enum BillLineKind: String, Sendable, CaseIterable {
    case usage, credit, discount, tax, refund, fee, other

    /// From `line_item_line_item_type` (Usage, DiscountedUsage, Credit, EdpDiscount, Tax, ...).
    init(lineItemType t: String) {
        switch t {
        case "Usage", "DiscountedUsage", "SavingsPlanCoveredUsage": self = .usage
        case "Credit": self = .credit
        case "Tax": self = .tax
        case "Refund": self = .refund
        case "Fee", "RIFee", "SavingsPlanRecurringFee", "SavingsPlanUpfrontFee": self = .fee
        default: self = t.hasSuffix("Discount") || t == "SavingsPlanNegation" ? .discount : .other
        }
    }
}

/// One Bedrock line of a bill. Money is integer micro-dollars (the CSV's decimal text rounded half up at
/// the sixth decimal), so sums and splits are exact.
public struct BillLine: Sendable, Equatable {
    /// The billing period, `YYYY-MM`: what a later delivery of the same period replaces.
    public var period: String
    public var startMs: Int64
    public var endMs: Int64
    public var account: String?
    public var productCode: String
    /// The Marketplace product's name (`Claude Sonnet 4.5 (Amazon Bedrock Edition)`), when the bill has it.
    public var productName: String?
    public var kind: BillLineKind
    public var lineItemType: String
    public var usageType: String
    public var operation: String?
    /// `line_item_usage_amount` as written (in `pricingUnit`s).
    public var usageAmount: Double
    public var pricingUnit: String?
    public var unblendedMicros: Int64
    public var netMicros: Int64?
    /// `line_item_iam_principal`: the caller's ARN, when the export includes caller identity.
    public var principal: String?
    /// The file and line it came from, for messages.
    public var file: String
    public var line: Int
    /// A Cost Explorer group's cell (its time period and keys): the same cell met again, on a page read twice,
    /// is the same money, counted once. Nil for CUR lines (several lines of one cell are the bill's own).
    public var cell: String? = nil
}

/// Where a bill reader puts what it reads. One file at a time; lines of several files may arrive from
/// several threads (the ingest run's workers), so implementations lock.
public protocol BillSink: AnyObject, Sendable {
    /// A Bedrock line of `file`.
    func billLine(_ line: BillLine)
    /// A line that could not be taken (`line` 0: the reason names the position itself) (a cost that is not a number, a missing column): said once on stderr
    /// by the caller and counted; nothing of it is stored.
    func billProblem(file: String, line: Int, reason: String)
    /// A whole bill file was read: how many of its lines were not Bedrock's (skipped).
    func billFileRead(file: String, otherLines: Int, complete: Bool)
}
