"""File extensions and the programming languages a person writes in them."""

LANGUAGES = {
    ".py": "Python", ".ipynb": "Python", ".js": "JavaScript", ".jsx": "JavaScript",
    ".ts": "TypeScript", ".tsx": "TypeScript", ".rs": "Rust", ".go": "Go", ".java": "Java",
    ".kt": "Kotlin", ".swift": "Swift", ".c": "C", ".h": "C", ".cpp": "C++", ".cc": "C++",
    ".hpp": "C++", ".cs": "C#", ".rb": "Ruby", ".php": "PHP", ".scala": "Scala", ".r": "R",
    ".jl": "Julia", ".m": "MATLAB", ".sql": "SQL", ".sh": "shell", ".tex": "LaTeX",
    ".lua": "Lua", ".hs": "Haskell", ".ex": "Elixir", ".erl": "Erlang", ".dart": "Dart",
}
