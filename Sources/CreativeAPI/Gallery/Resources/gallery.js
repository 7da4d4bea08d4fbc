// The gallery's behaviour: actions over the REST API, live updates from the event stream,
// infinite scroll and keyboard moves. Pages work without it (links and forms), only less live.
'use strict';
(() => {
  const $ = (selector, root = document) => root.querySelector(selector);
  const $$ = (selector, root = document) => Array.from(root.querySelectorAll(selector));
  const page = document.body.dataset.page;

  function say(text) {
    const status = $('#status');
    if (status) status.textContent = text;
  }

  /** Calls the API; resolves to the JSON answer, rejects with the engine's error sentence. */
  async function api(method, path, body) {
    const options = { method, headers: { Accept: 'application/json' }, credentials: 'same-origin' };
    if (body instanceof Blob) {
      options.headers['Content-Type'] = body.type || 'application/octet-stream';
      options.body = body;
    } else if (body !== undefined) {
      options.headers['Content-Type'] = 'application/json';
      options.body = JSON.stringify(body);
    }
    const response = await fetch(path, options);
    const text = await response.text();
    let data = null;
    try { data = text ? JSON.parse(text) : null; } catch (_) { data = null; }
    if (!response.ok) throw new Error((data && data.error && data.error.message) || `The server answered ${response.status}.`);
    return data;
  }

  function fragment(html) {
    const template = document.createElement('template');
    template.innerHTML = html.trim();
    return template.content;
  }

  async function card(id) {
    const response = await fetch(`/cards/${id}`, { credentials: 'same-origin' });
    return response.ok ? fragment(await response.text()).firstElementChild : null;
  }

  // Live: the event stream of this user's changes.
  const jobWatchers = new Set();
  let events = null;
  function listen() {
    if (!window.EventSource || page === 'signin' || events) return;
    events = new EventSource('/api/creative/events');
    events.addEventListener('asset', (event) => assetChanged(JSON.parse(event.data)));
    events.addEventListener('job', (event) => {
      const job = JSON.parse(event.data);
      jobChanged(job);
      jobWatchers.forEach((watch) => watch(job));
    });
  }

  async function assetChanged(change) {
    const grid = $('#grid');
    if (!grid || page !== 'library') return;
    const existing = $(`.card[data-asset-id="${change.id}"]`, grid);
    if (change.change === 'removed') {
      if (existing) existing.remove();
      return;
    }
    if (!existing && grid.dataset.live !== 'true') return;
    const fresh = await card(change.id);
    if (!fresh) return;
    if (existing) {
      existing.replaceWith(fresh);
    } else {
      grid.prepend(fresh);
      const empty = $('#empty');
      if (empty) empty.remove();
      say(`New: ${$('.title', fresh).textContent}`);
    }
  }

  function jobChanged(job) {
    const row = $(`tr[data-job-id="${job.id}"]`);
    if (!row) return;
    $('progress', row).value = job.progress;
    $('.state', row).textContent = job.status;
    if (!['queued', 'running'].includes(job.status)) {
      const cancel = $('[data-action="cancel"]', row);
      if (cancel) cancel.remove();
      if (job.resultAssetId && !$('a', row.lastElementChild)) {
        const open = document.createElement('a');
        open.href = `/assets/${job.resultAssetId}`;
        open.textContent = 'Open';
        row.lastElementChild.append(open);
      }
    }
  }

  // Buttons with data-action.
  const actions = {
    async favorite(button, id) {
      const result = await api('POST', `/api/creative/asset/${id}/favorite`);
      button.setAttribute('aria-pressed', String(result.isFavorite));
      say(result.isFavorite ? 'Added to favorites.' : 'Removed from favorites.');
    },
    async delete(button, id) {
      await api('DELETE', `/api/creative/asset/${id}`);
      window.location.assign('/trash');
    },
    async restore(button, id) {
      await api('POST', `/api/creative/asset/${id}/restore`);
      button.closest('.card').remove();
      say('Restored.');
    },
    async cancel(button) {
      const id = button.closest('[data-job-id]').dataset.jobId;
      const job = await api('POST', `/api/creative/job/${id}/cancel`);
      jobChanged(job);
      say('Cancelled.');
    },
  };

  document.addEventListener('click', async (event) => {
    const button = event.target.closest('button[data-action]');
    if (!button || !actions[button.dataset.action]) return;
    const holder = button.closest('[data-asset-id]');
    button.disabled = true;
    try {
      await actions[button.dataset.action](button, holder && holder.dataset.assetId);
    } catch (error) {
      say(error.message);
    } finally {
      button.disabled = false;
    }
  });

  // Forms with data-action.
  const forms = {
    async edit(form, id) {
      const body = { title: form.elements.title.value, description: form.elements.description.value };
      const asset = await api('PATCH', `/api/creative/asset/${id}`, body);
      $('h1').textContent = asset.title;
      say('Saved.');
    },
    async tag(form, id) {
      const tags = form.elements.tags.value.split(',').map((tag) => tag.trim()).filter(Boolean);
      if (!tags.length) return;
      const result = await api('POST', `/api/creative/asset/${id}/tags`, { tags });
      const list = $('.taglist', form);
      list.replaceChildren(...result.tags.map((tag) => Object.assign(document.createElement('li'), { className: 'tag', textContent: tag })));
      form.elements.tags.value = '';
      say('Tags added.');
    },
    async generate(form) {
      const kind = form.elements.kind.value;
      const model = form.elements.model.value.trim() || undefined;
      const text = $('#gen-text');
      text.hidden = true;
      if (kind === 'improve' || kind === 'ideas') {
        // Answered at once, as text (textContent: never parsed as HTML).
        const body = kind === 'improve'
          ? { original: form.elements.original.value, goal: form.elements.goal.value, model }
          : { topic: form.elements.topic.value, count: Number(form.elements.count.value), model };
        const answer = await api('POST', `/api/creative/content/${kind}`, body);
        text.textContent = kind === 'improve'
          ? `${answer.improved}\n\n${answer.suggestions.map((s) => `• ${s}`).join('\n')}`
          : answer.ideas.map((idea, n) => `${n + 1}. ${idea}`).join('\n');
        text.hidden = false;
        $('#gen-state').textContent = 'Done.';
        return;
      }
      const body = { prompt: form.elements.prompt.value, model };
      if (kind === 'image' || kind === 'video') {
        const [width, height] = form.elements.size.value.split('x').map(Number);
        Object.assign(body, { width, height });
      }
      if (kind === 'video') body.seconds = Number(form.elements.seconds.value);
      const progress = $('#gen-progress');
      const state = $('#gen-state');
      const result = $('#gen-result');
      result.replaceChildren();
      progress.hidden = false;
      progress.value = 0;
      state.textContent = 'Queued…';
      const finish = (assetId, error) => {
        progress.value = error ? progress.value : 100;
        state.textContent = error ? `Failed: ${error}` : 'Done.';
        if (assetId) {
          const open = Object.assign(document.createElement('a'), { href: `/assets/${assetId}`, textContent: 'Open the new asset' });
          open.dataset.resultAssetId = assetId;
          result.replaceChildren(open);
        }
      };
      if (kind === 'content') {
        body.contentType = form.elements.contentType.value;
        const done = await api('POST', '/api/creative/content/generate', body);
        finish(done.assetId, done.success ? null : done.error);
        return;
      }
      const queued = await api('POST', `/api/creative/${kind}/generate`, body);
      const follow = (job) => {
        if (job.id !== queued.jobId) return;
        progress.value = job.progress;
        state.textContent = `${job.status} — ${job.progress}%`;
        if (job.status === 'succeeded') finish(job.resultAssetId);
        if (job.status === 'failed' || job.status === 'cancelled') finish(null, job.errorMessage || job.status);
        if (!['queued', 'running'].includes(job.status)) jobWatchers.delete(follow);
      };
      jobWatchers.add(follow);
      // It may have finished before the stream said so.
      follow(await api('GET', `/api/creative/image/${queued.jobId}/status`));
    },
    async 'create-template'(form) {
      const body = { name: form.elements.name.value, type: form.elements.type.value, prompt: form.elements.prompt.value };
      await api('POST', '/api/creative/template', body);
      window.location.reload();
    },
    async 'edit-template'(form) {
      const id = form.closest('[data-template-id]').dataset.templateId;
      const body = { name: form.elements.name.value, description: form.elements.description.value, prompt: form.elements.prompt.value };
      await api('PATCH', `/api/creative/template/${id}`, body);
      window.location.reload();
    },
    async 'use-template'(form) {
      const id = form.closest('[data-template-id]').dataset.templateId;
      const variables = {};
      $$('input', form).forEach((input) => { variables[input.name] = input.value; });
      const done = await api('POST', '/api/creative/content/from-template', { templateId: id, variables });
      const out = $('.result', form);
      if (done.assetId) {
        out.replaceChildren(Object.assign(document.createElement('a'), { href: `/assets/${done.assetId}`, textContent: 'Open the result' }));
      } else {
        out.textContent = done.error || 'It did not work.';
      }
    },
  };

  document.addEventListener('submit', async (event) => {
    const form = event.target.closest('form[data-action]');
    if (!form || !forms[form.dataset.action]) return;
    event.preventDefault();
    const holder = form.closest('[data-asset-id]');
    const submit = $('button[type="submit"]', form);
    if (submit) submit.disabled = true;
    try {
      await forms[form.dataset.action](form, holder && holder.dataset.assetId);
    } catch (error) {
      say(error.message);
    } finally {
      if (submit) submit.disabled = false;
    }
  });

  // Upload: files chosen in the form or dropped on the library page become assets (the event
  // stream then adds their cards).
  async function upload(files) {
    let done = 0;
    for (const file of files) {
      say(`Uploading ${file.name}…`);
      await api('POST', `/api/creative/asset/upload?name=${encodeURIComponent(file.name)}`, file);
      done += 1;
    }
    say(`Uploaded ${done} file${done === 1 ? '' : 's'}.`);
  }

  async function uploadSafely(files) {
    try {
      await upload(files);
    } catch (error) {
      say(error.message);
    }
  }

  document.addEventListener('change', (event) => {
    if (event.target.name === 'files' && event.target.files.length) {
      uploadSafely(Array.from(event.target.files)).then(() => { event.target.value = ''; });
    }
  });

  if (page === 'library') {
    const drop = $('#drop');
    let depth = 0;
    const hasFiles = (event) => event.dataTransfer && Array.from(event.dataTransfer.types).includes('Files');
    document.addEventListener('dragenter', (event) => {
      if (!hasFiles(event)) return;
      depth += 1;
      drop.hidden = false;
    });
    document.addEventListener('dragleave', () => {
      depth = Math.max(0, depth - 1);
      if (depth === 0) drop.hidden = true;
    });
    document.addEventListener('dragover', (event) => { if (hasFiles(event)) event.preventDefault(); });
    document.addEventListener('drop', (event) => {
      if (!hasFiles(event)) return;
      event.preventDefault();
      depth = 0;
      drop.hidden = true;
      uploadSafely(Array.from(event.dataTransfer.files));
    });
  }

  // The generate form shows the fields of the chosen kind.
  function showKindFields() {
    const form = $('form[data-action="generate"]');
    if (!form) return;
    const kind = form.elements.kind.value;
    $$('[data-for]', form).forEach((label) => { label.hidden = !label.dataset.for.split(' ').includes(kind); });
  }
  document.addEventListener('change', (event) => { if (event.target.name === 'kind') showKindFields(); });

  // A new template's placeholders, as typed.
  document.addEventListener('input', (event) => {
    const form = event.target.closest('form[data-action="create-template"], form[data-action="edit-template"]');
    if (!form || event.target.name !== 'prompt') return;
    const names = [...new Set([...event.target.value.matchAll(/\{\{\s*([A-Za-z_][\w.]*)\s*\}\}/g)].map((m) => m[1]))];
    $('[data-preview]', form).textContent = names.length ? names.join(', ') : 'none';
  });

  // Infinite scroll: the next page's cards when "More" comes into view.
  function scrolling() {
    const more = $('a.more');
    const grid = $('#grid');
    if (!more || !grid || !window.IntersectionObserver) return;
    let loading = false;
    const observer = new IntersectionObserver(async (entries) => {
      if (loading || !entries.some((entry) => entry.isIntersecting)) return;
      loading = true;
      try {
        const response = await fetch(`${more.getAttribute('href')}&fragment=cards`, { credentials: 'same-origin' });
        grid.append(fragment(await response.text()));
        const next = response.headers.get('X-Next-Page');
        if (next) {
          more.setAttribute('href', next);
        } else {
          observer.disconnect();
          more.remove();
        }
      } finally {
        loading = false;
      }
    }, { rootMargin: '600px' });
    observer.observe(more);
  }

  // Keyboard: "/" searches; arrows move between cards; "f" favorites the focused card.
  document.addEventListener('keydown', (event) => {
    const typing = ['INPUT', 'TEXTAREA', 'SELECT'].includes(document.activeElement.tagName);
    if (event.key === '/' && !typing) {
      const search = $('input[type="search"]');
      if (search) {
        event.preventDefault();
        search.focus();
      }
      return;
    }
    const current = document.activeElement.closest && document.activeElement.closest('#grid .card');
    if (!current || typing) return;
    const cards = $$('#grid .card');
    const index = cards.indexOf(current);
    const columns = Math.max(1, cards.filter((c) => c.offsetTop === cards[0].offsetTop).length);
    const moves = { ArrowRight: 1, ArrowLeft: -1, ArrowDown: columns, ArrowUp: -columns };
    if (event.key in moves) {
      const target = cards[index + moves[event.key]];
      if (target) {
        event.preventDefault();
        $('a.open', target).focus();
      }
    } else if (event.key === 'f') {
      $('[data-action="favorite"]', current).click();
    }
  });

  // A page kept in the back-forward cache would hold its stream open, and a browser allows six
  // connections to a host: close it when the page is hidden, open it again when it comes back.
  window.addEventListener('pagehide', () => {
    if (events) events.close();
    events = null;
  });
  window.addEventListener('pageshow', (event) => { if (event.persisted) listen(); });

  showKindFields();
  scrolling();
  listen();
})();
