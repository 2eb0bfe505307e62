"""The memory store: LanceDB rows + FAISS index, chunking, ingest."""
