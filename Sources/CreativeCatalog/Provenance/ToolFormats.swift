import Foundation

/// The JSON formats of Fooocus, ComfyUI, InvokeAI and NovelAI, read into the seed's fields.
extension ImportedMetadata {
    /// Fooocus's own scheme: the `parameters` chunk holds a JSON object (seed as a string).
    mutating func readFooocus(_ p: [String: JSONValue]) {
        guard p["prompt"] != nil else {
            problems.append("The parameters text chunk is a JSON object but not in Fooocus's format; it is kept as found.")
            return
        }
        generator = "fooocus"
        prompt = p["prompt"]?.stringValue?.nilIfEmpty
        negativePrompt = p["negative_prompt"]?.stringValue?.nilIfEmpty
        (seed, steps, guidance) = (p["seed"]?.intValue, p["steps"]?.intValue, p["guidance_scale"]?.doubleValue)
        sampler = p["sampler"]?.stringValue
        model = p["base_model"]?.stringValue
    }

    /// ComfyUI's API graph (`prompt` chunk): node id → {class_type, inputs}; a link is
    /// `[node id, output]`. The sampler's positive and negative inputs lead to the prompt texts,
    /// its model input (through LoRA loaders) to the checkpoint.
    mutating func readComfyUI(_ text: String) {
        guard case .object(let graph)? = Self.json(text) else {
            problems.append("The prompt text chunk is not valid JSON (a ComfyUI graph was expected); it is kept as found.")
            return
        }
        let nodes = graph.compactMapValues { $0.objectValue }
        let samplers = nodes.filter { ($0.value["class_type"]?.stringValue ?? "").contains("Sampler") }
        // The lowest-numbered sampler (a graph with a refiner pass has several).
        let order = { (id: String) -> (Int, String) in (Int(id) ?? .max, id) }
        guard let first = samplers.keys.min(by: { order($0) < order($1) }), let inputs = samplers[first]?["inputs"]?.objectValue
        else {
            problems.append("The ComfyUI graph has no sampler node, so no prompt could be read from it.")
            return
        }
        generator = "comfyui"
        func follow(_ value: JSONValue?, depth: Int = 0) -> [String: JSONValue]? {
            guard depth < 16, case .array(let link)? = value, let id = link.first?.stringValue ?? link.first?.intValue.map(String.init) else { return nil }
            return nodes[id]?["inputs"]?.objectValue
        }
        /// The text a conditioning input comes from, through nodes that pass it on.
        func promptText(_ value: JSONValue?, depth: Int = 0) -> String? {
            guard depth < 16, let inputs = follow(value) else { return nil }
            for key in ["text", "text_g", "string", "value", "prompt"] {
                if let s = inputs[key]?.stringValue { return s }
                if case .array? = inputs[key], let s = promptText(inputs[key], depth: depth + 1) { return s }
            }
            for key in ["conditioning", "conditioning_1", "positive"] where inputs[key] != nil {
                if let s = promptText(inputs[key], depth: depth + 1) { return s }
            }
            return nil
        }
        func checkpoint(_ value: JSONValue?, depth: Int = 0) -> String? {
            guard depth < 16, let inputs = follow(value) else { return nil }
            if let name = inputs["ckpt_name"]?.stringValue ?? inputs["unet_name"]?.stringValue { return name }
            return checkpoint(inputs["model"], depth: depth + 1)
        }
        prompt = promptText(inputs["positive"])?.nilIfEmpty
        negativePrompt = promptText(inputs["negative"])?.nilIfEmpty
        (seed, steps, guidance) = ((inputs["seed"] ?? inputs["noise_seed"])?.intValue, inputs["steps"]?.intValue, inputs["cfg"]?.doubleValue)
        sampler = inputs["sampler_name"]?.stringValue
        model = checkpoint(inputs["model"])
    }

    /// InvokeAI 3+ `invokeai_metadata`: positive_prompt, negative_prompt, scheduler, model.name.
    mutating func readInvokeAI(_ text: String) {
        guard case .object(let m)? = Self.json(text) else {
            problems.append("The invokeai_metadata text chunk is not valid JSON; it is kept as found.")
            return
        }
        generator = "invokeai"
        prompt = m["positive_prompt"]?.stringValue?.nilIfEmpty
        negativePrompt = m["negative_prompt"]?.stringValue?.nilIfEmpty
        (seed, steps, guidance) = (m["seed"]?.intValue, m["steps"]?.intValue, m["cfg_scale"]?.doubleValue)
        sampler = m["scheduler"]?.stringValue
        let modelInfo = m["model"]?.objectValue
        model = modelInfo?["name"]?.stringValue ?? modelInfo?["model_name"]?.stringValue ?? m["model"]?.stringValue
    }

    /// NovelAI: a `Comment` JSON (prompt, uc, steps, scale, seed, sampler); the model is `Source`.
    mutating func readNovelAI(_ text: String, source: String?, description: String?) {
        guard case .object(let c)? = Self.json(text) else {
            problems.append("The Comment text chunk is not valid JSON (NovelAI's format was expected); it is kept as found.")
            return
        }
        generator = "novelai"
        prompt = (c["prompt"]?.stringValue ?? description)?.nilIfEmpty
        negativePrompt = c["uc"]?.stringValue?.nilIfEmpty
        (seed, steps, guidance) = (c["seed"]?.intValue, c["steps"]?.intValue, c["scale"]?.doubleValue)
        sampler = c["sampler"]?.stringValue
        model = source
    }
}
