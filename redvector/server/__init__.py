"""Runtime state shared by every protocol: databases, clients, pub/sub, transactions. Knows no sockets."""
