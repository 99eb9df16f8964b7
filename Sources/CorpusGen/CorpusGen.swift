public enum CorpusGen {}
