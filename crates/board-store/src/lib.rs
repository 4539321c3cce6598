//! board-store (placeholder until its module lands).
