/*
 * The handbook's diagrams: the project's own Mermaid renderer (mkdocs-material's draws into a
 * closed shadow root that no script can reach, so its boxes could not become links).
 *
 * Every ```mermaid fence is written by pymdownx.superfences as <pre class="handbook-diagram">
 * (mkdocs.yml). This script renders each with the mermaid.js the site serves itself, puts the
 * SVG into <div class="mermaid handbook-diagram">, then:
 *   - links every entity box to its table's page: the generator writes one mermaid comment per
 *     table, "%% link <table> <URL path from the site root>", which mermaid ignores;
 *   - fits the drawing to its box (never wider than the content column) and adds pan and zoom
 *     (svg-pan-zoom, served by the site: buttons, double click, Ctrl + wheel, drag to pan);
 *   - on a table page keeps the page's own table (the "focus" class) in view and readable.
 * A diagram that mermaid cannot parse shows mermaid's message in its box and on the console:
 * never an empty box.
 */
(function () {
  "use strict";

  var SOURCE_SELECTOR = "pre.handbook-diagram";
  var LINK_LINE = /^\s*%%\s*link\s+(\S+)\s+(\S*)\s*$/;
  var FOCUS_LINE = /^\s*%%\s*focus\s+(\S+)\s*$/;
  var ENTITY_ID = /-entity-(.+)-\d+$/; // an erDiagram's table box
  var FLOWCHART_ID = /flowchart-(.+)-\d+$/; // a flowchart's box (the domain overview)
  var MAX_HEIGHT_OF_VIEWPORT = 0.75; // a diagram box is at most this share of the window's height
  var MIN_HEIGHT_PX = 160;
  var DRAG_PX = 4; // a press that moved further is a pan, not a click on a box
  var counter = 0;

  function siteRoot() {
    var config = document.getElementById("__config");
    if (!config) {
      throw new Error("handbook diagrams: mkdocs-material's #__config is missing, table links cannot be resolved");
    }
    return new URL(JSON.parse(config.textContent).base + "/", window.location.href);
  }

  function linkTargets(source) {
    var targets = {};
    source.split("\n").forEach(function (line) {
      var match = LINK_LINE.exec(line);
      if (match) {
        targets[match[1]] = match[2];
      }
    });
    return targets;
  }

  function focusOf(source) {
    var lines = source.split("\n");
    for (var i = 0; i < lines.length; i += 1) {
      var match = FOCUS_LINE.exec(lines[i]);
      if (match) {
        return match[1];
      }
    }
    return null;
  }

  function entityNode(svg, table) {
    var nodes = svg.querySelectorAll("g.node");
    for (var i = 0; i < nodes.length; i += 1) {
      var match = ENTITY_ID.exec(nodes[i].id || "");
      if (match && match[1] === table) {
        return nodes[i];
      }
    }
    return null;
  }

  function linkEntities(svg, targets, root) {
    var pressed = null;
    svg.addEventListener("pointerdown", function (event) {
      pressed = { x: event.clientX, y: event.clientY };
    }, true);
    svg.querySelectorAll("g.node").forEach(function (node) {
      var match = ENTITY_ID.exec(node.id || "") || FLOWCHART_ID.exec(node.id || "");
      if (!match || !(match[1] in targets)) {
        return;
      }
      var href = new URL(targets[match[1]], root).href;
      // A link by role rather than an SVG <a>: the box stays a node of mermaid's drawing (and of
      // svg-pan-zoom's), and the page's own links (article a[href]) stay the text's links.
      node.setAttribute("role", "link");
      node.setAttribute("tabindex", "0");
      node.setAttribute("data-href", href);
      node.setAttribute("aria-label", (ENTITY_ID.test(node.id) ? "table " : "domain ") + match[1]);
      node.classList.add("handbook-entity-link");
      node.addEventListener("click", function (event) {
        if (pressed && Math.hypot(event.clientX - pressed.x, event.clientY - pressed.y) > DRAG_PX) {
          return; // the reader dragged the diagram; do not follow the box under the pointer
        }
        window.location.assign(href);
      });
      node.addEventListener("keydown", function (event) {
        if (event.key === "Enter") {
          window.location.assign(href);
        }
      });
    });
  }

  function naturalSize(svg) {
    var box = svg.viewBox && svg.viewBox.baseVal;
    if (box && box.width > 0 && box.height > 0) {
      return { width: box.width, height: box.height };
    }
    var bbox = svg.getBBox();
    return { width: bbox.width, height: bbox.height };
  }

  function fitBox(container, svg) {
    var size = naturalSize(svg);
    var width = container.clientWidth;
    var maxHeight = Math.max(MIN_HEIGHT_PX, window.innerHeight * MAX_HEIGHT_OF_VIEWPORT);
    var scale = Math.min(1, width / size.width, maxHeight / size.height);
    svg.removeAttribute("style"); // mermaid's max-width; the box decides the size now
    // As style, not attributes: the theme's "svg { height: auto }" would otherwise restore the
    // drawing's aspect ratio and make a tall diagram as tall as ever.
    svg.style.width = "100%";
    svg.style.height = Math.max(MIN_HEIGHT_PX, Math.ceil(size.height * scale)) + "px";
  }

  function keepInView(panZoom, container, focus) {
    var box = container.getBoundingClientRect();
    var rect = focus.getBoundingClientRect();
    panZoom.panBy({
      x: box.left + box.width / 2 - (rect.left + rect.width / 2),
      y: box.top + box.height / 2 - (rect.top + rect.height / 2),
    });
    // Zoom in around the table, up to its natural size, as long as it still fits the box.
    var sizes = panZoom.getSizes();
    var grow = Math.min(0.9 * box.width / rect.width, 0.9 * box.height / rect.height, 1 / sizes.realZoom);
    if (grow > 1) {
      panZoom.zoomAtPoint(panZoom.getZoom() * grow, { x: box.width / 2, y: box.height / 2 });
    }
  }

  function addPanZoom(container, svg, focusTable) {
    if (typeof window.svgPanZoom !== "function") {
      throw new Error("handbook diagrams: svg-pan-zoom.min.js did not load (mkdocs.yml extra_javascript)");
    }
    var panZoom = window.svgPanZoom(svg, {
      zoomEnabled: true,
      controlIconsEnabled: true,
      dblClickZoomEnabled: true,
      mouseWheelZoomEnabled: false, // the wheel scrolls the page; Ctrl + wheel zooms (below)
      fit: true,
      center: true,
      minZoom: 0.5,
      maxZoom: 40,
    });
    svg.addEventListener("wheel", function (event) {
      if (!(event.ctrlKey || event.metaKey)) {
        return;
      }
      event.preventDefault();
      var at = svg.getBoundingClientRect();
      var factor = event.deltaY < 0 ? 1.2 : 1 / 1.2;
      panZoom.zoomAtPoint(panZoom.getZoom() * factor, { x: event.clientX - at.left, y: event.clientY - at.top });
    }, { passive: false });
    var focus = focusTable ? entityNode(svg, focusTable) : null;
    if (focusTable && !focus) {
      throw new Error("handbook diagrams: the page's table " + focusTable + " is not in its diagram");
    }
    if (focus) {
      keepInView(panZoom, container, focus);
    }
    container.handbookPanZoom = panZoom; // for the browser test and the console
  }

  function showError(pre, error) {
    var box = document.createElement("div");
    box.className = "mermaid handbook-diagram handbook-diagram-error";
    box.textContent = "This diagram could not be drawn: " + (error && error.message ? error.message : String(error));
    pre.replaceWith(box);
    console.error("handbook diagrams:", error);
  }

  async function renderOne(pre, root) {
    var source = pre.textContent;
    counter += 1;
    var id = "handbook-diagram-" + counter;
    var container = document.createElement("div");
    container.className = "mermaid handbook-diagram";
    pre.replaceWith(container);
    var result;
    try {
      result = await window.mermaid.render(id, source, container);
    } catch (error) {
      container.replaceWith(pre);
      showError(pre, error);
      return;
    }
    container.innerHTML = result.svg;
    var svg = container.querySelector("svg");
    if (result.bindFunctions) {
      result.bindFunctions(container);
    }
    linkEntities(svg, linkTargets(source), root);
    fitBox(container, svg);
    addPanZoom(container, svg, focusOf(source));
    container.setAttribute("data-rendered", "true");
  }

  async function renderAll() {
    var sources = Array.prototype.slice.call(document.querySelectorAll(SOURCE_SELECTOR));
    if (!sources.length) {
      return;
    }
    if (!window.mermaid) {
      throw new Error("handbook diagrams: mermaid.min.js did not load (mkdocs.yml extra_javascript)");
    }
    window.mermaid.initialize({ startOnLoad: false, securityLevel: "strict", theme: "default" });
    var root = siteRoot();
    for (var i = 0; i < sources.length; i += 1) {
      await renderOne(sources[i], root); // one at a time: mermaid's renderer is not re-entrant
    }
  }

  if (window.document$ && typeof window.document$.subscribe === "function") {
    window.document$.subscribe(function () { renderAll(); });
  } else {
    document.addEventListener("DOMContentLoaded", function () { renderAll(); });
  }
})();
