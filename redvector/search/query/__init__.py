"""The query language: lexer, DIALECT 2 parser (AST of frozen dataclasses), planner and executor."""
