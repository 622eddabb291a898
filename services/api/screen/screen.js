// The big screen: draws each figures event of /v1/stream. Opened as
//   /screen                    the city's screen (or a county key's own county)
//   /screen?county=yingde      one county's screen
//   /screen#key=K              with an API key (the fragment never leaves the browser; the
//                              key goes in a header, to get a short-lived stream ticket)

import { createCharts, showCounties, showCurve } from './charts.js';
import { connect } from './link.js';
import { count, fenExact, fixed, parseFigures, percent, yuan, yuanExact } from './money.js';
import { COUNTY_NAMES, PLATFORM_NAMES, SPECIAL_NAMES, scopeName } from './names.js';

const county = new URLSearchParams(location.search).get('county');
const key = new URLSearchParams(location.hash.slice(1)).get('key');
const $ = (selector) => document.querySelector(selector);

// The watermark, and when (wall clock) it last moved: figures whose watermark stays put
// longer than the server's stale_after_s are marked stale.
const watch = { asOf: undefined, movedAt: 0, staleAfterMs: 60000, link: 'connecting', updates: 0 };

function ticket() {
  const query = county ? `?county=${encodeURIComponent(county)}` : '';
  return fetch(`/v1/stream-tickets${query}`, {
    method: 'POST',
    headers: key ? { Authorization: `Bearer ${key}` } : {},
    cache: 'no-store',
  });
}

function streamUrl(opened) {
  return `/v1/stream?${new URLSearchParams({ ticket: opened })}`;
}

function setAmount(element, fen) {
  const y = yuan(fen);
  element.replaceChildren(y.text, unit(`${y.unit}元`));
  element.title = `${yuanExact(fen)}（${fenExact(fen)}）`;
  element.dataset.fen = fen.toString();
}

// 退款金额 where the platforms report it (contract 1.1): summed over the sessions that do, and
// hidden when none does (unknown is not zero). 成交金额 above it is gross of refunds.
function setRefund(element, totals) {
  const known = totals.refund_sessions > 0;
  element.hidden = !known;
  if (!known) {
    element.replaceChildren();
    delete element.dataset.fen;
    return;
  }
  const y = yuan(totals.refund_fen);
  element.replaceChildren('退款金额 ', y.text, unit(`${y.unit}元`));
  element.title = `${yuanExact(totals.refund_fen)}（${fenExact(totals.refund_fen)}）· ${totals.refund_sessions} 场报告退款`;
  element.dataset.fen = totals.refund_fen.toString();
  element.dataset.sessions = String(totals.refund_sessions);
}

function setCount(element, n, suffix) {
  const c = count(n);
  element.replaceChildren(c.text, unit(`${c.unit}${suffix}`));
  element.title = `${fixed(BigInt(n), 0)} ${suffix}`;
  element.dataset.value = String(n);
}

function unit(text) {
  const span = document.createElement('span');
  span.className = 'unit';
  span.textContent = text;
  return span;
}

function showHashtags(hashtags) {
  $('#hashtags').replaceChildren(...hashtags.map((h) => {
    const item = document.createElement('li');
    const reached = Math.min(h.progress_bp, 10000) / 100;  // bar width only; the text is exact
    item.innerHTML = `<div class="tag-head"><span class="special"></span><span class="reads"></span></div>
      <div class="bar"><div class="fill" style="width:${reached}%"></div></div>`;
    item.querySelector('.special').textContent = SPECIAL_NAMES[h.special] ?? h.special;
    item.querySelector('.special').title = SPECIAL_NAMES[h.special] ?? h.special;
    item.querySelector('.reads').textContent =
      `${count(h.reads).text}${count(h.reads).unit} / ${count(h.target).text}${count(h.target).unit} · ${percent(h.progress_bp)}`;
    item.dataset.special = h.special;
    item.dataset.progressBp = h.progress_bp;
    item.classList.toggle('reached', h.progress_bp >= 10000);
    return item;
  }));
  $('#topic').textContent = hashtags.length ? `#${hashtags[0].topic}` : '';
}

function showRooms(rooms) {
  $('#rooms tbody').replaceChildren(...rooms.map((room, i) => {
    const row = document.createElement('tr');
    const y = yuan(room.gmv_fen);
    const cells = [i + 1, room.room_id, PLATFORM_NAMES[room.platform] ?? room.platform,
      COUNTY_NAMES[room.county] ?? room.county, `${y.text}${y.unit}元`,
      room.live ? `${count(room.viewers_online).text}${count(room.viewers_online).unit}` : '已下播'];
    for (const text of cells) row.insertCell().textContent = String(text);
    row.cells[4].title = `${yuanExact(room.gmv_fen)}（${fenExact(room.gmv_fen)}）`;
    row.dataset.county = room.county;
    row.classList.toggle('ended', !room.live);
    return row;
  }));
}

function render(charts, figures) {
  document.body.dataset.scope = figures.county ? 'county' : 'city';
  $('#scope-name').textContent = scopeName(figures.county);
  document.title = `${scopeName(figures.county)} · 直播节数据大屏`;
  setAmount($('#gmv'), figures.totals.gmv_fen);
  setRefund($('#refund'), figures.totals);
  setCount($('#orders'), figures.totals.orders, '单');
  setCount($('#units'), figures.totals.units_sold, '件');
  setCount($('#online'), figures.totals.viewers_online, '人');
  $('#live').textContent = `${figures.totals.sessions_live} / ${figures.totals.sessions}`;
  $('#live').append(unit('场'));
  $('#as-of').textContent = figures.as_of ? `${figures.as_of.slice(0, 10)} ${figures.as_of.slice(11, 19)}` : '暂无数据';
  $('#as-of').dateTime = figures.as_of ?? '';
  if (!figures.county) showCounties(charts.county, figures.counties);
  showCurve(charts.curve, figures.curve);
  showHashtags(figures.hashtags);
  showRooms(figures.top_rooms);
}

function showStatus() {
  const status = $('#status');
  const frozenMs = Date.now() - watch.movedAt;
  let state = watch.link;
  if (state === 'live' && (watch.asOf === null || frozenMs > watch.staleAfterMs)) state = 'stale';
  const text = {
    connecting: '连接中…',
    live: '● 实时',
    stale: watch.asOf === null ? '暂无数据' : `数据未更新 ${Math.floor(frozenMs / 1000)} 秒`,
    reconnecting: '连接中断，正在重连…',
    problem: '数据库暂不可用，正在重试…',
    refused: '无权查看：请检查访问密钥',
  }[state];
  status.dataset.state = state;
  status.textContent = text;
}

function onFigures(charts, text) {
  const figures = parseFigures(text);
  if (figures.as_of !== watch.asOf) {
    watch.asOf = figures.as_of;
    watch.movedAt = Date.now();
  }
  watch.staleAfterMs = figures.stale_after_s * 1000;
  watch.link = 'live';
  render(charts, figures);
  watch.updates += 1;
  document.body.dataset.updates = String(watch.updates);
  showStatus();
}

function start() {
  const charts = createCharts($('#county-chart'), $('#curve-chart'));
  connect({
    ticket,
    streamUrl,
    onFigures: (text) => onFigures(charts, text),
    onState: (state) => {
      // 'open' only says the stream is back: 'live' waits for its first figures.
      if (state !== 'open') watch.link = state;
      showStatus();
    },
  });
  setInterval(showStatus, 1000);
}

start();
