/* The condition builder (leadrouter/widgets.py): rows of field / operator / value and nested
   "all of" / "any of" groups that write a condition's JSON into the form's textarea, with the
   condition in words under it. The textarea stays the value the form submits; "Show JSON" lets
   an expert edit it, and the builder waits while that JSON is invalid or beyond what it shows.

   The sentence mirrors `leadrouter.conditions.describe` (tests/test_browser_condition_builder.py
   compares the two), so the words are the same before and after saving. */
(function () {
  "use strict";

  var MAX_DEPTH = 10;
  var SIGNS = { gt: ">", gte: "≥", lt: "<", lte: "≤" };

  // Operators by field kind, in the order the operator select offers them.
  var OPS_BY_KIND = {
    text: ["contains_any", "contains_all", "starts_with", "regex", "equals", "in", "not_in",
      "is_empty", "is_not_empty"],
    choice: ["in", "not_in", "equals", "is_empty", "is_not_empty"],
    number: ["gte", "gt", "lte", "lt", "between", "equals", "in", "not_in", "is_empty",
      "is_not_empty"],
    list: ["in", "not_in", "is_empty", "is_not_empty"],
    flags: ["has_flag", "is_empty", "is_not_empty"]
  };
  var OP_LABELS = {
    contains_any: "mentions any of", contains_all: "mentions all of", starts_with: "starts with",
    regex: "matches the pattern", equals: "is", in: "is one of", not_in: "is none of",
    gte: "is at least", gt: "is more than", lte: "is at most", lt: "is less than",
    between: "is between", is_empty: "is empty", is_not_empty: "is not empty",
    has_flag: "has the flag"
  };

  /* ---- The sentence: a mirror of leadrouter/conditions/description.py ---- */

  function isObject(value) {
    return value !== null && typeof value === "object" && !Array.isArray(value);
  }

  function pyNumber(number) {
    // Python's str(int) for whole numbers below 10^15, else its "{:g}" (6 significant digits).
    if (Number.isInteger(number) && Math.abs(number) < 1e15) return String(number);
    if (!isFinite(number)) return number > 0 ? "inf" : number < 0 ? "-inf" : "nan";
    if (number === 0) return "0";
    var exponent = Math.floor(Math.log10(Math.abs(Number(number.toPrecision(6)))));
    if (exponent < -4 || exponent >= 6) {
      var parts = number.toExponential(5).split("e");
      var mantissa = parts[0].indexOf(".") >= 0 ? parts[0].replace(/\.?0+$/, "") : parts[0];
      var power = Number(parts[1]);
      var digits = String(Math.abs(power));
      return mantissa + "e" + (power < 0 ? "-" : "+") + (digits.length < 2 ? "0" + digits : digits);
    }
    return String(Number(number.toPrecision(6)));
  }

  function pyDumps(value) {
    // json.dumps(value, ensure_ascii=False): Python's ", " and ": " separators.
    if (Array.isArray(value)) return "[" + value.map(pyDumps).join(", ") + "]";
    if (isObject(value)) {
      return "{" + Object.keys(value).map(function (key) {
        return JSON.stringify(key) + ": " + pyDumps(value[key]);
      }).join(", ") + "}";
    }
    if (value === undefined) return "null";
    return JSON.stringify(value);
  }

  function pyStr(value) {
    if (typeof value === "string") return value;
    if (value === null || value === undefined) return "None";
    if (value === true) return "True";
    if (value === false) return "False";
    if (typeof value === "number") return Number.isInteger(value) ? String(value) : String(value);
    return pyDumps(value);
  }

  function quoted(words) {
    return words.map(function (word) { return JSON.stringify(word); }).join(", ");
  }

  function renderValue(value) {
    if (typeof value === "string" && /^[\p{L}\p{N}\p{M}_.@+-]+$/u.test(value)) return value;
    if (typeof value === "boolean") return value ? "true" : "false";
    if (typeof value === "number") return pyNumber(value);
    return pyDumps(value);
  }

  function renderList(values) {
    var shown = values.slice(0, 10).map(renderValue).join(", ");
    if (values.length > 10) shown += ", … (+" + (values.length - 10) + " more)";
    return shown;
  }

  function describeLeaf(spec) {
    var op = spec.op;
    var value = spec.value;
    var field = pyStr("field" in spec ? spec.field : "flags");
    if ((op === "contains_any" || op === "contains_all") && Array.isArray(value)) {
      var words = value.map(pyStr);
      var shown = quoted(words.slice(0, 10)) +
        (words.length > 10 ? ", … (+" + (words.length - 10) + " more)" : "");
      return field + " contains " + (op === "contains_any" ? "any" : "all") + " of " + shown;
    }
    if (op === "regex") return field + " matches /" + pyStr(value) + "/";
    if (op === "starts_with") {
      var items = Array.isArray(value) ? value : [value];
      return field + " starts with " + quoted(items.map(pyStr));
    }
    if (op === "equals") return field + " equals " + renderValue(value);
    if ((op === "in" || op === "not_in") && Array.isArray(value)) {
      return field + " " + (op === "in" ? "in" : "not in") + " " + renderList(value);
    }
    if (Object.prototype.hasOwnProperty.call(SIGNS, op)) {
      return field + " " + SIGNS[op] + " " + renderValue(value);
    }
    if (op === "between" && Array.isArray(value) && value.length === 2) {
      return field + " between " + renderValue(value[0]) + " and " + renderValue(value[1]);
    }
    if (op === "is_empty") return field + " is empty";
    if (op === "is_not_empty") return field + " is not empty";
    if (op === "has_flag") return "has flag " + renderValue(value);
    return pyDumps(spec);
  }

  function describeNode(spec, depth) {
    if (depth > MAX_DEPTH + 1 || !isObject(spec)) return pyDumps(spec).slice(0, 200);
    var joiners = [["all", " AND "], ["any", " OR "]];
    for (var i = 0; i < joiners.length; i++) {
      var key = joiners[i][0];
      if (key in spec && Array.isArray(spec[key])) {
        var children = spec[key];
        return children.map(function (child) {
          var text = describeNode(child, depth + 1);
          var nested = isObject(child) && ("all" in child || "any" in child);
          return nested && children.length > 1 ? "(" + text + ")" : text;
        }).join(joiners[i][1]);
      }
    }
    if ("not" in spec) {
      var inner = spec.not;
      var text = describeNode(inner, depth + 1);
      if (isObject(inner) && ("all" in inner || "any" in inner)) return "NOT (" + text + ")";
      return "NOT " + text;
    }
    return describeLeaf(spec);
  }

  function describe(spec) {
    try {
      return describeNode(spec, 1);
    } catch (error) {
      return pyDumps(spec).slice(0, 200);
    }
  }

  /* ---- Value inputs: how each reads what the manager typed or picked ---- */

  // Which input an operator takes on a field of a kind.
  function inputFor(kind, op) {
    if (op === "is_empty" || op === "is_not_empty") return "none";
    if (op === "between") return "range";
    if (op === "in" || op === "not_in") {
      if (kind === "choice") return "choices";
      if (kind === "number") return "numbers";
      return "words";
    }
    if (op === "contains_any" || op === "contains_all" || op === "starts_with") return "words";
    if (SIGNS[op]) return "number";
    if (op === "equals") return kind === "choice" ? "choice" : kind === "number" ? "number" : "text";
    return "text"; // regex, has_flag
  }

  var parse = {
    // "NV, AZ ,, " -> ["NV", "AZ"]
    words: function (text) {
      return text.split(",").map(function (word) { return word.trim(); })
        .filter(function (word) { return word !== ""; });
    },
    // "" -> null (validation then says a number is needed); "70" -> 70; "7e1" -> 70.
    number: function (text) {
      var trimmed = text.trim();
      if (trimmed === "") return null;
      var number = Number(trimmed);
      return isFinite(number) ? number : trimmed;
    },
    // "9, 10, x" -> [9, 10, "x"]: what does not read as a number stays text, for validation.
    numbers: function (text) {
      return parse.words(text).map(parse.number);
    },
    range: function (low, high) {
      return [parse.number(low), parse.number(high)];
    },
    // starts_with keeps one prefix as text and several as a list, as managers write it.
    prefixes: function (text) {
      var words = parse.words(text);
      return words.length === 1 ? words[0] : words;
    },
    // The picked options of a select, as the typed values of the field's choices.
    choices: function (select, choices) {
      return Array.prototype.filter.call(select.options, function (option) {
        return option.selected;
      }).map(function (option) { return choices[Number(option.value)][0]; });
    },
    choice: function (select, choices) {
      return select.selectedIndex < 0 ? null : choices[Number(select.value)][0];
    }
  };

  // The text a words/numbers input shows for a value, or null when the builder cannot show it
  // (a word with a comma in it would split in two).
  function formatWords(value) {
    var items = Array.isArray(value) ? value : value === undefined || value === null ? [] : [value];
    var texts = [];
    for (var i = 0; i < items.length; i++) {
      var item = items[i];
      if (typeof item === "number" && isFinite(item)) texts.push(String(item));
      else if (typeof item === "string" && item.indexOf(",") < 0) texts.push(item.trim());
      else return null;
    }
    return texts.join(", ");
  }

  // Can the value of a leaf be shown in the input its operator takes? (else: JSON only)
  function fitsInput(input, value, hasValue) {
    switch (input) {
      case "none": return !hasValue || value === null;
      case "range":
        return Array.isArray(value) && value.length === 2 && value.every(function (item) {
          return item === null || typeof item === "number";
        });
      case "words": case "numbers": return formatWords(value) !== null;
      case "choices": return Array.isArray(value) && value.every(function (item) {
        return typeof item === "string" || typeof item === "number";
      });
      case "number": return !hasValue || value === null || typeof value === "number";
      case "choice": return typeof value === "string" || typeof value === "number";
      default: return !hasValue || typeof value === "string";
    }
  }

  /* ---- The tree: groups and rows, to and from a condition ---- */

  function Builder(root) {
    this.root = root;
    this.textarea = root.querySelector("textarea");
    this.tree = root.querySelector(".cb-tree");
    this.sentence = root.querySelector(".cb-sentence");
    this.problem = root.querySelector(".cb-problem");
    this.toggle = root.querySelector(".cb-toggle-json");
    this.jsonBox = root.querySelector(".cb-json");
    this.emptyText = root.getAttribute("data-empty-text") || "";
    this.fields = JSON.parse(document.getElementById(root.getAttribute("data-fields")).textContent);
    this.byName = {};
    for (var i = 0; i < this.fields.length; i++) this.byName[this.fields[i].name] = this.fields[i];
    this.group = null;
  }

  Builder.prototype.fieldOf = function (name) {
    // A field the admin does not list (attributes.budget, an old name) is tested as text.
    return this.byName[name] || { name: name, label: name, kind: "text", choices: [] };
  };

  // The group a condition stands for, or a string saying why the builder cannot show it.
  Builder.prototype.toTree = function (spec, depth) {
    depth = depth || 1;
    if (!isObject(spec)) return "a condition is an object";
    if (depth > MAX_DEPTH) return "it is nested too deep";
    var keys = Object.keys(spec);
    if (keys.length === 0 && depth === 1) return { mode: "all", children: [] };
    if ("not" in spec) return "it uses \"not\"";
    var mode = "all" in spec ? "all" : "any" in spec ? "any" : null;
    if (mode) {
      if (keys.length !== 1 || !Array.isArray(spec[mode])) return "a group has more than a list";
      var children = [];
      for (var i = 0; i < spec[mode].length; i++) {
        var child = spec[mode][i];
        var node = isObject(child) && ("all" in child || "any" in child)
          ? this.toTree(child, depth + 1) : this.toRow(child);
        if (typeof node === "string") return node;
        children.push(node);
      }
      return { mode: mode, children: children };
    }
    var row = this.toRow(spec);
    return typeof row === "string" ? row : { mode: "all", children: [row] };
  };

  Builder.prototype.toRow = function (spec) {
    if (!isObject(spec)) return "a condition is an object";
    if ("not" in spec) return "it uses \"not\"";
    var unknown = Object.keys(spec).filter(function (key) {
      return ["field", "op", "value"].indexOf(key) < 0;
    });
    if (unknown.length) return "a condition has the key \"" + unknown[0] + "\"";
    var name = "field" in spec ? spec.field : spec.op === "has_flag" ? "flags" : null;
    if (typeof name !== "string" || !name) return "a condition names no field";
    var field = this.fieldOf(name);
    var ops = OPS_BY_KIND[field.kind];
    if (ops.indexOf(spec.op) < 0) {
      return "the builder offers no \"" + spec.op + "\" for " + name;
    }
    if (!fitsInput(inputFor(field.kind, spec.op), spec.value, "value" in spec)) {
      return "the value of " + name + " " + OP_LABELS[spec.op] + " does not fit its input";
    }
    return { field: name, op: spec.op, value: spec.value };
  };

  function rowSpec(row) {
    var spec = { field: row.field, op: row.op };
    if (row.op !== "is_empty" && row.op !== "is_not_empty") spec.value = row.value;
    return spec;
  }

  function groupSpec(group) {
    var children = group.children.map(function (child) {
      return child.children ? groupSpec(child) : rowSpec(child);
    });
    var spec = {};
    spec[group.mode] = children;
    return spec;
  }

  // The top group as stored: nothing is {}, one condition alone is that condition.
  function toSpec(group) {
    if (group.children.length === 0) return {};
    if (group.children.length === 1 && !group.children[0].children) {
      return rowSpec(group.children[0]);
    }
    return groupSpec(group);
  }

  function emptyValue(input, previous) {
    switch (input) {
      case "words": case "numbers": case "choices":
        if (Array.isArray(previous)) return previous;
        return previous === undefined || previous === null || previous === "" ? [] : [previous];
      case "range": return [null, null];
      case "number": return typeof previous === "number" ? previous : null;
      case "choice": return Array.isArray(previous) && previous.length ? previous[0] : null;
      case "text": return typeof previous === "string" ? previous : "";
      default: return null;
    }
  }

  /* ---- Drawing ---- */

  function make(tag, attrs, text) {
    var element = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (key) { element.setAttribute(key, attrs[key]); });
    if (text !== undefined) element.textContent = text;
    return element;
  }

  Builder.prototype.changed = function () {
    var spec = toSpec(this.group);
    this.textarea.value = JSON.stringify(spec);
    this.showSentence(spec);
  };

  Builder.prototype.showSentence = function (spec) {
    var empty = spec === null || (isObject(spec) && Object.keys(spec).length === 0);
    this.sentence.textContent = empty ? this.emptyText : describe(spec);
  };

  Builder.prototype.redraw = function () {
    this.tree.textContent = "";
    this.tree.appendChild(this.drawGroup(this.group, null));
    // A long multi-select (50 states) opens on its first picked option, not on "AA".
    Array.prototype.forEach.call(this.tree.querySelectorAll("select[multiple]"), function (select) {
      var picked = select.querySelector("option:checked");
      if (picked) select.scrollTop = picked.offsetTop - select.clientHeight / 2;
    });
  };

  Builder.prototype.drawGroup = function (group, parent) {
    var self = this;
    var box = make("fieldset", { class: parent ? "cb-group cb-nested" : "cb-group" });
    var legend = make("legend");
    legend.appendChild(document.createTextNode(parent ? "Matches " : "Leads that match "));
    var mode = make("select", { class: "cb-mode", "aria-label": "Match all or any" });
    mode.appendChild(make("option", { value: "all" }, "all"));
    mode.appendChild(make("option", { value: "any" }, "any"));
    mode.value = group.mode;
    mode.addEventListener("change", function () { group.mode = mode.value; self.changed(); });
    legend.appendChild(mode);
    legend.appendChild(document.createTextNode(" of these:"));
    box.appendChild(legend);
    var list = make("ul", { class: "cb-children" });
    group.children.forEach(function (child) {
      var item = make("li");
      item.appendChild(child.children ? self.drawGroup(child, group) : self.drawRow(child, group));
      list.appendChild(item);
    });
    box.appendChild(list);
    var actions = make("p", { class: "cb-group-actions" });
    var addRow = make("button", { type: "button", class: "cb-add-row" }, "+ Condition");
    addRow.addEventListener("click", function () {
      var field = self.fields[0];
      var op = OPS_BY_KIND[field.kind][0];
      group.children.push({ field: field.name, op: op, value: emptyValue(inputFor(field.kind, op)) });
      self.redraw();
      self.changed();
    });
    actions.appendChild(addRow);
    var addGroup = make("button", { type: "button", class: "cb-add-group" }, "+ Group");
    addGroup.addEventListener("click", function () {
      group.children.push({ mode: group.mode === "all" ? "any" : "all", children: [] });
      self.redraw();
      self.changed();
    });
    actions.appendChild(addGroup);
    if (parent) {
      var remove = make("button", { type: "button", class: "cb-remove-group" }, "Remove group");
      remove.addEventListener("click", function () {
        parent.children.splice(parent.children.indexOf(group), 1);
        self.redraw();
        self.changed();
      });
      actions.appendChild(remove);
    }
    box.appendChild(actions);
    return box;
  };

  Builder.prototype.drawRow = function (row, group) {
    var self = this;
    var field = this.fieldOf(row.field);
    var line = make("div", { class: "cb-row" });

    var fieldSelect = make("select", { class: "cb-field", "aria-label": "Field" });
    var names = this.fields.map(function (each) { return each.name; });
    if (names.indexOf(row.field) < 0) {
      fieldSelect.appendChild(make("option", { value: row.field }, row.field));
    }
    this.fields.forEach(function (each) {
      fieldSelect.appendChild(make("option", { value: each.name }, each.label));
    });
    fieldSelect.value = row.field;
    fieldSelect.addEventListener("change", function () {
      var next = self.fieldOf(fieldSelect.value);
      var ops = OPS_BY_KIND[next.kind];
      var op = ops.indexOf(row.op) >= 0 ? row.op : ops[0];
      var keep = next.kind === field.kind && op === row.op;
      row.field = next.name;
      row.op = op;
      row.value = keep ? row.value : emptyValue(inputFor(next.kind, op));
      self.redraw();
      self.changed();
    });
    line.appendChild(fieldSelect);

    var opSelect = make("select", { class: "cb-op", "aria-label": "Operator" });
    OPS_BY_KIND[field.kind].forEach(function (op) {
      opSelect.appendChild(make("option", { value: op }, OP_LABELS[op]));
    });
    opSelect.value = row.op;
    opSelect.addEventListener("change", function () {
      var before = inputFor(field.kind, row.op);
      var after = inputFor(field.kind, opSelect.value);
      row.op = opSelect.value;
      if (before !== after) row.value = emptyValue(after, row.value);
      self.redraw();
      self.changed();
    });
    line.appendChild(opSelect);

    var value = this.drawValue(row, field);
    if (value) line.appendChild(value);

    var remove = make("button", { type: "button", class: "cb-remove", "aria-label": "Remove" }, "×");
    remove.addEventListener("click", function () {
      group.children.splice(group.children.indexOf(row), 1);
      self.redraw();
      self.changed();
    });
    line.appendChild(remove);
    return line;
  };

  Builder.prototype.drawValue = function (row, field) {
    var self = this;
    var input = inputFor(field.kind, row.op);
    var update = function (value) { row.value = value; self.changed(); };
    if (input === "none") return null;
    if (input === "choice" || input === "choices") {
      var choices = field.choices.slice();
      var picked = input === "choices" ? row.value : row.value === null ? [] : [row.value];
      picked.forEach(function (value) {  // a value the list does not have stays visible
        if (!choices.some(function (choice) { return choice[0] === value; })) {
          choices.push([value, String(value)]);
        }
      });
      var select = make("select", { class: "cb-value", "aria-label": "Value" });
      if (input === "choices") {
        select.multiple = true;
        select.size = Math.min(6, Math.max(3, choices.length));
      } else if (row.value === null) {
        select.appendChild(make("option", { value: "", disabled: "" }, "— pick —"));
      }
      choices.forEach(function (choice, index) {
        var option = make("option", { value: String(index) }, choice[1]);
        option.selected = picked.indexOf(choice[0]) >= 0;
        select.appendChild(option);
      });
      select.addEventListener("change", function () {
        update(input === "choices" ? parse.choices(select, choices)
          : select.value === "" ? null : parse.choice(select, choices));
      });
      return select;
    }
    if (input === "range") {
      var span = make("span", { class: "cb-range" });
      var low = make("input", { type: "number", step: "any", class: "cb-value cb-low", "aria-label": "From" });
      var high = make("input", { type: "number", step: "any", class: "cb-value cb-high", "aria-label": "To" });
      low.value = row.value[0] === null ? "" : String(row.value[0]);
      high.value = row.value[1] === null ? "" : String(row.value[1]);
      var read = function () { update(parse.range(low.value, high.value)); };
      low.addEventListener("input", read);
      high.addEventListener("input", read);
      span.appendChild(low);
      span.appendChild(document.createTextNode(" and "));
      span.appendChild(high);
      return span;
    }
    var box;
    if (input === "number") {
      box = make("input", { type: "number", step: "any", class: "cb-value", "aria-label": "Value" });
      box.value = row.value === null || row.value === undefined ? "" : String(row.value);
      box.addEventListener("input", function () { update(parse.number(box.value)); });
      return box;
    }
    box = make("input", { type: "text", class: "cb-value", "aria-label": "Value" });
    if (input === "words" || input === "numbers") {
      box.value = formatWords(row.value);
      box.placeholder = "separated by commas";
      box.addEventListener("input", function () {
        update(input === "numbers" ? parse.numbers(box.value)
          : row.op === "starts_with" ? parse.prefixes(box.value) : parse.words(box.value));
      });
      return box;
    }
    box.value = row.value || "";
    box.placeholder = row.op === "has_flag" ? "flag code" : row.op === "regex" ? "pattern" : "";
    box.addEventListener("input", function () { update(box.value); });
    return box;
  };

  /* ---- JSON mode ---- */

  // Read the textarea: the group it stands for, or the problem shown in its place.
  Builder.prototype.read = function () {
    var text = this.textarea.value.trim();
    var spec;
    try {
      spec = text === "" ? {} : JSON.parse(text);
    } catch (error) {
      return { problem: "Not valid JSON: " + error.message + ". The builder waits until it is." };
    }
    // A new signal's empty condition renders as null: nothing built yet.
    var tree = this.toTree(spec === null ? {} : spec);
    if (typeof tree === "string") {
      return { spec: spec, problem: "The builder cannot show this condition (" + tree +
        "); edit it as JSON." };
    }
    return { spec: spec, group: tree };
  };

  Builder.prototype.setJsonMode = function (on) {
    this.jsonMode = on;
    this.jsonBox.hidden = !on;
    this.tree.hidden = on;
    this.toggle.textContent = on ? "Use the builder" : "Show JSON";
    this.toggle.setAttribute("aria-expanded", on ? "true" : "false");
  };

  Builder.prototype.showProblem = function (text) {
    this.problem.textContent = text || "";
    this.problem.hidden = !text;
  };

  Builder.prototype.start = function () {
    var self = this;
    this.root.querySelector(".cb-actions").hidden = false;
    var state = this.read();
    if (state.group) {
      this.group = state.group;
      this.setJsonMode(false);
      this.redraw();
    } else {
      this.group = { mode: "all", children: [] };
      this.showProblem(state.problem);
      this.setJsonMode(true);
    }
    this.toggle.addEventListener("click", function () {
      if (!self.jsonMode) {
        self.setJsonMode(true);
        return;
      }
      var read = self.read();
      self.showProblem(read.problem);
      if (read.group) {
        self.group = read.group;
        self.setJsonMode(false);
        self.redraw();
      }
    });
    this.textarea.addEventListener("input", function () {
      var read = self.read();
      self.showProblem(read.problem);
      if ("spec" in read) self.showSentence(read.spec);
    });
  };

  function startAll() {
    var roots = document.querySelectorAll("[data-condition-builder]");
    for (var i = 0; i < roots.length; i++) {
      if (!roots[i].conditionBuilder) {
        roots[i].conditionBuilder = new Builder(roots[i]);
        roots[i].conditionBuilder.start();
      }
    }
  }

  window.LeadRouterConditions = {
    describe: describe,
    parse: parse,
    formatWords: formatWords,
    inputFor: inputFor,
    opsByKind: OPS_BY_KIND,
    startAll: startAll
  };

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", startAll);
  } else {
    startAll();
  }
})();
