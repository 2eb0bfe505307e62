"""LoRA (peft) adapters: training objectives, data builders, save/load/merge."""
