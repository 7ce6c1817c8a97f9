(function(){let e=document.createElement(`link`).relList;if(e&&e.supports&&e.supports(`modulepreload`))return;for(let e of document.querySelectorAll(`link[rel="modulepreload"]`))n(e);new MutationObserver(e=>{for(let t of e)if(t.type===`childList`)for(let e of t.addedNodes)e.tagName===`LINK`&&e.rel===`modulepreload`&&n(e)}).observe(document,{childList:!0,subtree:!0});function t(e){let t={};return e.integrity&&(t.integrity=e.integrity),e.referrerPolicy&&(t.referrerPolicy=e.referrerPolicy),t.credentials=e.crossOrigin===`use-credentials`?`include`:e.crossOrigin===`anonymous`?`omit`:`same-origin`,t}function n(e){if(e.ep)return;e.ep=!0;let n=t(e);fetch(e.href,n)}})();function e(e,n={},...r){let i=document.createElement(e);for(let[e,t]of Object.entries(n))t!=null&&t!==!1&&(typeof t==`function`?i.addEventListener(e.replace(/^on/,``),t):t===!0?i.setAttribute(e,``):i.setAttribute(e,String(t)));return t(i,r),i}function t(e,n){for(let r of n)r!=null&&r!==!1&&(Array.isArray(r)?t(e,r):e.appendChild(r instanceof Node?r:document.createTextNode(String(r))))}function n(e,...n){e.replaceChildren(),t(e,n)}var r=class extends String{__apiType;value;__meta__;constructor(e,t){super(e),this.value=e,this.__meta__=t}toString(){return this.value}};new r(`
    fragment UserErrorFields on UserError {
  code
  message
  field
  ... on RateLimitedError {
    retryAfterSeconds
  }
}
    `,{fragmentName:`UserErrorFields`}),new r(`
    fragment SessionFields on AuthTokens {
  accessToken
  accessTokenExpiresAt
  refreshToken
}
    `,{fragmentName:`SessionFields`}),new r(`
    fragment RentalRow on Rental {
  rentalId
  rentalDate
  returnDate
  dueDate
  isOverdue
  film {
    filmId
    title
  }
  inventory {
    inventoryId
    store {
      storeId
    }
  }
}
    `,{fragmentName:`RentalRow`}),new r(`
    fragment FilmCard on Film {
  filmId
  title
  description
  releaseYear
  rating
  length
  rentalRate
  isInStock
}
    `,{fragmentName:`FilmCard`});var i=new r(`
    mutation Login($input: LoginInput!) {
  login(input: $input) {
    errors {
      ...UserErrorFields
    }
    tokens {
      ...SessionFields
    }
  }
}
    fragment UserErrorFields on UserError {
  code
  message
  field
  ... on RateLimitedError {
    retryAfterSeconds
  }
}
fragment SessionFields on AuthTokens {
  accessToken
  accessTokenExpiresAt
  refreshToken
}`),a=new r(`
    mutation Register($input: RegisterInput!) {
  register(input: $input) {
    errors {
      ...UserErrorFields
    }
    tokens {
      ...SessionFields
    }
  }
}
    fragment UserErrorFields on UserError {
  code
  message
  field
  ... on RateLimitedError {
    retryAfterSeconds
  }
}
fragment SessionFields on AuthTokens {
  accessToken
  accessTokenExpiresAt
  refreshToken
}`),o=new r(`
    mutation Refresh($input: RefreshTokenInput!) {
  refreshToken(input: $input) {
    errors {
      ...UserErrorFields
    }
    tokens {
      ...SessionFields
    }
  }
}
    fragment UserErrorFields on UserError {
  code
  message
  field
  ... on RateLimitedError {
    retryAfterSeconds
  }
}
fragment SessionFields on AuthTokens {
  accessToken
  accessTokenExpiresAt
  refreshToken
}`),s=new r(`
    mutation Logout($input: LogoutInput!) {
  logout(input: $input) {
    errors {
      ...UserErrorFields
    }
    loggedOut
  }
}
    fragment UserErrorFields on UserError {
  code
  message
  field
  ... on RateLimitedError {
    retryAfterSeconds
  }
}`),c=new r(`
    query Me {
  me {
    email
    role
    customer {
      customerId
      firstName
      lastName
      balance
      store {
        storeId
      }
      rentals(first: 10) {
        nodes {
          ...RentalRow
        }
      }
    }
  }
}
    fragment RentalRow on Rental {
  rentalId
  rentalDate
  returnDate
  dueDate
  isOverdue
  film {
    filmId
    title
  }
  inventory {
    inventoryId
    store {
      storeId
    }
  }
}`),l=new r(`
    mutation RentFilm($input: RentFilmInput!) {
  rentFilm(input: $input) {
    errors {
      ...UserErrorFields
    }
    rental {
      ...RentalRow
    }
  }
}
    fragment UserErrorFields on UserError {
  code
  message
  field
  ... on RateLimitedError {
    retryAfterSeconds
  }
}
fragment RentalRow on Rental {
  rentalId
  rentalDate
  returnDate
  dueDate
  isOverdue
  film {
    filmId
    title
  }
  inventory {
    inventoryId
    store {
      storeId
    }
  }
}`),u=new r(`
    mutation ReturnRental($input: ReturnRentalInput!) {
  returnRental(input: $input) {
    errors {
      ...UserErrorFields
    }
    charge
    amountDue
    rental {
      ...RentalRow
    }
  }
}
    fragment UserErrorFields on UserError {
  code
  message
  field
  ... on RateLimitedError {
    retryAfterSeconds
  }
}
fragment RentalRow on Rental {
  rentalId
  rentalDate
  returnDate
  dueDate
  isOverdue
  film {
    filmId
    title
  }
  inventory {
    inventoryId
    store {
      storeId
    }
  }
}`),d=new r(`
    subscription AgentStream($question: String!, $conversationId: Int) {
  agentStream(question: $question, conversationId: $conversationId) {
    __typename
    ... on RunStarted {
      runId
      conversationId
    }
    ... on AgentMessageDelta {
      agent
      delta
    }
    ... on ToolCallStarted {
      agent
      plugin
      function
      arguments
    }
    ... on ToolCallFinished {
      agent
      plugin
      function
      arguments
      resultPreview
      durationMs
    }
    ... on HandoffOccurred {
      fromAgent
      toAgent
      reason
    }
    ... on RunCompleted {
      answer
      agent
      conversationId
      ungroundedTitles
      latencyMs
      films {
        ...FilmCard
      }
    }
    ... on RunFailed {
      code
      message
      retryAfterSeconds
    }
  }
}
    fragment FilmCard on Film {
  filmId
  title
  description
  releaseYear
  rating
  length
  rentalRate
  isInStock
}`),f=new r(`
    query Films($filter: FilmFilter, $orderBy: FilmOrder, $first: Int, $after: String, $last: Int, $before: String) {
  films(
    filter: $filter
    orderBy: $orderBy
    first: $first
    after: $after
    last: $last
    before: $before
  ) {
    totalCount
    pageInfo {
      hasNextPage
      hasPreviousPage
      startCursor
      endCursor
    }
    nodes {
      ...FilmCard
    }
  }
}
    fragment FilmCard on Film {
  filmId
  title
  description
  releaseYear
  rating
  length
  rentalRate
  isInStock
}`),p=new r(`
    query Categories {
  categories(first: 50, orderBy: {field: NAME}) {
    nodes {
      categoryId
      name
    }
  }
}
    `);new r(`
    query Stores {
  stores(first: 20) {
    nodes {
      storeId
      address {
        address
        city {
          city
        }
      }
    }
  }
}
    `);var m=new r(`
    query FilmDetail($filmId: Int!) {
  film(filmId: $filmId) {
    ...FilmCard
    rentalDuration
    replacementCost
    specialFeatures
    language {
      name
    }
    actors(first: 100) {
      nodes {
        actorId
        firstName
        lastName
      }
    }
    categories(first: 20) {
      nodes {
        categoryId
        name
      }
    }
    inventory(first: 100) {
      nodes {
        store {
          storeId
        }
      }
    }
  }
}
    fragment FilmCard on Film {
  filmId
  title
  description
  releaseYear
  rating
  length
  rentalRate
  isInStock
}`),h=new r(`
    query FilmCopiesAtStore($filmId: Int!, $storeId: Int!) {
  film(filmId: $filmId) {
    availableCopies(storeId: $storeId)
  }
}
    `),g=class extends Error{kind;retryAfterSeconds;fieldErrors;constructor(e,t,n=null,r=[]){super(t),this.kind=e,this.retryAfterSeconds=n,this.fieldErrors=r}};function _(e){let t=Math.max(1,Math.ceil(e));return t===1?`1 second`:`${t} seconds`}function v(e){return e===null?`Too many requests. Please wait a moment and try again.`:`Too many requests. Please try again in ${_(e)}.`}function y(e,t,n=null){switch(e){case`RATE_LIMITED`:return new g(`rate_limited`,v(n),n);case`MODEL_UNAVAILABLE`:return new g(`model_unavailable`,`The assistant is not available right now: the store has no language model running. You can still browse and rent films.`);case`AGENT_BUSY`:return new g(`busy`,`The assistant is busy with other customers. Please try again shortly.`);case`AGENT_TIMEOUT`:return new g(`busy`,`The assistant took too long to answer. Please ask again.`);case`AGENT_OUTPUT_INVALID`:case`AGENT_FAILED`:return new g(`other`,`The assistant could not answer that. Please rephrase and ask again.`);case`UNAUTHENTICATED`:case`INVALID_TOKEN`:case`TOKEN_REUSED`:return new g(`unauthenticated`,`Your session has ended. Please sign in again.`);case`INVALID_CREDENTIALS`:return new g(`validation`,`Wrong e-mail or password.`);case`PERMISSION_DENIED`:return new g(`forbidden`,t||`You may not do that.`);case`NOT_FOUND`:return new g(`not_found`,t||`Not found.`);case`NOT_IN_STOCK`:return new g(`not_in_stock`,`Sorry, no copy is available there any more.`);default:return new g(`other`,t||`Something went wrong. Please try again.`)}}function b(e){let t=e.filter(e=>e.field);if(t.length>0&&t.length===e.length)return new g(`validation`,`Please correct the highlighted fields.`,null,t.map(e=>({field:e.field,message:e.message,code:e.code})));let n=e[0];if(n===void 0)return new g(`other`,`Something went wrong.`);let r=y(n.code,n.message,n.retryAfterSeconds??null);return new g(r.kind,r.message,r.retryAfterSeconds,t.map(e=>({field:e.field,message:e.message,code:e.code})))}function x(e){return e instanceof g?e:new g(`other`,`Something went wrong. Please try again.`)}var S=`pagila.session`,C=new Set;function w(){try{let e=localStorage.getItem(S);return e?JSON.parse(e):null}catch{return null}}var T=w();function E(){return T}function D(e){T=e,e?localStorage.setItem(S,JSON.stringify(e)):localStorage.removeItem(S);for(let e of C)e()}function O(e){C.add(e)}async function k(e,t,n){let r={"content-type":`application/json`};n&&(r.authorization=`Bearer ${n}`);try{return await fetch(`/graphql`,{method:`POST`,headers:r,body:JSON.stringify({query:e,variables:t})})}catch{throw new g(`disconnected`,`Cannot reach the store's server. Check your connection and try again.`)}}var A=null;async function ee(){let e=E();return e?(A??=(async()=>{try{let t=(await(await k(String(o),{input:{refreshToken:e.refreshToken}},null)).json()).data?.refreshToken.tokens??null;return D(t),t!==null}catch{return!1}finally{A=null}})(),A):!1}async function j(e,t){let n=String(e),r=await k(n,t,E()?.accessToken??null);if(r.status===401&&await ee()&&(r=await k(n,t,E()?.accessToken??null)),r.status===401&&D(null),r.status===429){let e=Number(r.headers.get(`retry-after`)),t=Number.isFinite(e)&&e>0?e:null;throw new g(`rate_limited`,v(t),t)}let i;try{i=await r.json()}catch{throw new g(`other`,`The server answered ${r.status}. Please try again.`)}let a=i.errors?.[0];if(a){let e=a.extensions?.code??``;throw e===`UNAUTHENTICATED`&&E()&&D(null),y(e,a.message,a.extensions?.retryAfterSeconds??null)}if(!i.data)throw new g(`other`,`The server sent no data. Please try again.`);return i.data}var te={G:`G`,PG:`PG`,PG_13:`PG-13`,R:`R`,NC_17:`NC-17`};function M(e){return e?te[e]??e:`Unrated`}function N(e){if(e==null)return``;let t=Number(e);return Number.isFinite(t)?`$${t.toFixed(2)}`:e}function P(e){if(!e)return``;let t=new Date(e);return Number.isNaN(t.getTime())?e:t.toLocaleDateString(void 0,{dateStyle:`medium`})}function F(t,r){let i=x(t),a=e(`div`,{class:`notice notice-error kind-${i.kind}`,role:`alert`});n(a,i.message);let o=i.retryAfterSeconds;if(i.kind===`rate_limited`&&o!==null){let e=Math.ceil(o),t=window.setInterval(()=>{--e,a.isConnected?e<=0?(window.clearInterval(t),n(a,`You can try again now.`),a.className=`notice notice-info`,r?.()):n(a,`Too many requests. Please try again in ${e} second${e===1?``:`s`}.`):window.clearInterval(t)},1e3)}return a}function ne(t,n){re(t);let r=!1;for(let i of n.fieldErrors){let n=t.querySelector(`[data-field="${CSS.escape(i.field??``)}"]`);if(!n)continue;let a=e(`p`,{class:`field-error`,id:`${n.id}-error`},i.message);n.setAttribute(`aria-invalid`,`true`),n.setAttribute(`aria-describedby`,a.id),n.insertAdjacentElement(`afterend`,a),r||n.focus(),r=!0}return r}function re(e){for(let t of e.querySelectorAll(`.field-error`))t.remove();for(let t of e.querySelectorAll(`[aria-invalid]`))t.removeAttribute(`aria-invalid`),t.removeAttribute(`aria-describedby`)}function I(t,n,r,i={}){return e(`div`,{class:`field`},e(`label`,{for:n},t),e(`input`,{id:n,name:n,"data-field":r,...i}))}var ie=null,ae=new Set;function L(){return ie}function oe(e){ae.add(e)}function R(e){ie=e;for(let e of ae)e()}async function z(){if(!E())R(null);else try{R((await j(c,{})).me)}catch(e){if(x(e).kind===`unauthenticated`)R(null);else throw e}}async function se(e){if(!e)throw new g(`other`,`The server did not start a session. Please try again.`);D(e),await z(),location.hash=`#/account`}async function ce(){let e=E();if(e)try{await j(s,{input:{refreshToken:e.refreshToken}})}catch{}D(null),R(null),location.hash=`#/films`}function le(t,n,r){return i=>{i.preventDefault();let a=t.querySelector(`button[type=submit]`);a&&(a.disabled=!0),re(t),n.replaceChildren(),r().catch(r=>{let i=x(r);!ne(t,i)||i.fieldErrors.length<1?n.replaceChildren(F(i)):n.replaceChildren(e(`p`,{class:`notice notice-error`,role:`alert`},i.message))}).finally(()=>{a&&(a.disabled=!1)})}}function ue(t){let r=e(`div`,{id:`form-status`}),a=e(`form`,{class:`card narrow`,"aria-labelledby":`signin-heading`,novalidate:!0},e(`h1`,{id:`signin-heading`},`Sign in`),I(`E-mail`,`signin-email`,`input.email`,{type:`email`,autocomplete:`username`,required:!0}),I(`Password`,`signin-password`,`input.password`,{type:`password`,autocomplete:`current-password`,required:!0}),r,e(`button`,{type:`submit`,class:`primary`},`Sign in`),e(`p`,{},`New here? `,e(`a`,{href:`#/register`},`Create an account`))),o=e=>(a.querySelector(`#${e}`)?.value??``).trim();a.addEventListener(`submit`,le(a,r,async()=>{let{login:e}=await j(i,{input:{email:o(`signin-email`),password:a.querySelector(`#signin-password`)?.value??``}});if(e.errors.length)throw b(e.errors);await se(e.tokens)})),n(t,a),a.querySelector(`#signin-email`)?.focus()}function de(t){let r=e(`div`,{id:`form-status`}),i=e(`form`,{class:`card narrow`,"aria-labelledby":`register-heading`,novalidate:!0},e(`h1`,{id:`register-heading`},`Create an account`),e(`fieldset`,{},e(`legend`,{},`You`),I(`First name`,`reg-first`,`input.firstName`,{autocomplete:`given-name`,required:!0}),I(`Last name`,`reg-last`,`input.lastName`,{autocomplete:`family-name`,required:!0}),I(`E-mail`,`reg-email`,`input.email`,{type:`email`,autocomplete:`email`,required:!0}),I(`Password (at least 12 characters)`,`reg-password`,`input.password`,{type:`password`,autocomplete:`new-password`,required:!0})),e(`fieldset`,{},e(`legend`,{},`Your address`),I(`Street and number`,`reg-address`,`input.address.address`,{autocomplete:`address-line1`,required:!0}),I(`District / state`,`reg-district`,`input.address.district`,{required:!0}),I(`City`,`reg-city`,`input.address.city`,{autocomplete:`address-level2`,required:!0}),I(`Country`,`reg-country`,`input.address.country`,{autocomplete:`country-name`,required:!0}),I(`Phone`,`reg-phone`,`input.address.phone`,{type:`tel`,autocomplete:`tel`,required:!0}),I(`Postal code`,`reg-postal`,`input.address.postalCode`,{autocomplete:`postal-code`})),e(`div`,{class:`field`},e(`label`,{for:`reg-store`},`Your store`),e(`select`,{id:`reg-store`,"data-field":`input.storeId`},e(`option`,{value:`1`},`Store 1`),e(`option`,{value:`2`},`Store 2`))),r,e(`button`,{type:`submit`,class:`primary`},`Create account`)),o=e=>(i.querySelector(`#${e}`)?.value??``).trim();i.addEventListener(`submit`,le(i,r,async()=>{let e=o(`reg-postal`),{register:t}=await j(a,{input:{email:o(`reg-email`),password:i.querySelector(`#reg-password`)?.value??``,firstName:o(`reg-first`),lastName:o(`reg-last`),storeId:Number(i.querySelector(`#reg-store`)?.value??`1`),address:{address:o(`reg-address`),district:o(`reg-district`),city:o(`reg-city`),country:o(`reg-country`),phone:o(`reg-phone`),postalCode:e||null}}});if(t.errors.length)throw b(t.errors);await se(t.tokens)})),n(t,i)}function B(t){let r=L();if(!r){n(t,e(`h1`,{},`My rentals`),e(`p`,{},e(`a`,{href:`#/signin`},`Sign in`),` to see your rentals.`));return}let i=r.customer;if(!i){n(t,e(`h1`,{},`My account`),e(`p`,{},`Signed in as ${r.email} (${r.role.toLowerCase()}). This page is for customers' rentals.`));return}let a=e(`div`,{id:`rental-status`,role:`status`}),o=async(e,n)=>{e.disabled=!0;try{let{returnRental:e}=await j(u,{input:{rentalId:n}});if(e.errors.length)throw b(e.errors);await z(),B(t),document.getElementById(`rental-status`)?.replaceChildren(`Returned “${e.rental?.film.title??``}”. Charge ${N(e.charge)}, due now ${N(e.amountDue)}.`)}catch(t){a.replaceChildren(F(t)),e.disabled=!1}},s=i.rentals.nodes;n(t,e(`h1`,{},`${i.firstName} ${i.lastName}`.toLowerCase().replace(/\b\w/g,e=>e.toUpperCase())),e(`p`,{class:`balance`},`Balance: `,e(`strong`,{id:`balance`,"data-amount":i.balance},N(i.balance)),Number(i.balance)>0?` owed`:Number(i.balance)<0?` in credit`:``),a,e(`h2`,{},`Recent rentals`),s.length?e(`table`,{class:`rentals`,id:`rentals`},e(`thead`,{},e(`tr`,{},e(`th`,{scope:`col`},`Film`),e(`th`,{scope:`col`},`Rented`),e(`th`,{scope:`col`},`Due / returned`),e(`th`,{scope:`col`},``))),e(`tbody`,{},s.map(t=>e(`tr`,{"data-rental-id":t.rentalId},e(`td`,{},e(`a`,{href:`#/film/${t.film.filmId}`},t.film.title)),e(`td`,{},P(t.rentalDate)),e(`td`,{},t.returnDate?`returned ${P(t.returnDate)}`:[`due ${P(t.dueDate)}`,t.isOverdue?e(`span`,{class:`badge badge-out`},`overdue`):null]),e(`td`,{},t.returnDate?``:e(`button`,{type:`button`,"data-return":t.rentalId,onclick:e=>void o(e.currentTarget,t.rentalId)},`Return “${t.film.title}”`)))))):e(`p`,{},`No rentals yet. `,e(`a`,{href:`#/films`},`Find a film`)))}function V(e){return e===null?`null`:Array.isArray(e)?`array`:typeof e}function H(e){return V(e)===`object`}function fe(e){return Array.isArray(e)&&e.length>0&&e.every(e=>`message`in e)}function pe(e,t){return e.length<124?e:t}var U=(e=>(e[e.InternalServerError=4500]=`InternalServerError`,e[e.InternalClientError=4005]=`InternalClientError`,e[e.BadRequest=4400]=`BadRequest`,e[e.BadResponse=4004]=`BadResponse`,e[e.Unauthorized=4401]=`Unauthorized`,e[e.Forbidden=4403]=`Forbidden`,e[e.SubprotocolNotAcceptable=4406]=`SubprotocolNotAcceptable`,e[e.ConnectionInitialisationTimeout=4408]=`ConnectionInitialisationTimeout`,e[e.ConnectionAcknowledgementTimeout=4504]=`ConnectionAcknowledgementTimeout`,e[e.SubscriberAlreadyExists=4409]=`SubscriberAlreadyExists`,e[e.TooManyInitialisationRequests=4429]=`TooManyInitialisationRequests`,e))(U||{}),W=(e=>(e.ConnectionInit=`connection_init`,e.ConnectionAck=`connection_ack`,e.Ping=`ping`,e.Pong=`pong`,e.Subscribe=`subscribe`,e.Next=`next`,e.Error=`error`,e.Complete=`complete`,e))(W||{});function me(e){if(!H(e))throw Error(`Message is expected to be an object, but got ${V(e)}`);if(!e.type)throw Error(`Message is missing the 'type' property`);if(typeof e.type!=`string`)throw Error(`Message is expects the 'type' property to be a string, but got ${V(e.type)}`);switch(e.type){case`connection_init`:case`connection_ack`:case`ping`:case`pong`:if(e.payload!=null&&!H(e.payload))throw Error(`"${e.type}" message expects the 'payload' property to be an object or nullish or missing, but got "${e.payload}"`);break;case`subscribe`:if(typeof e.id!=`string`)throw Error(`"${e.type}" message expects the 'id' property to be a string, but got ${V(e.id)}`);if(!e.id)throw Error(`"${e.type}" message requires a non-empty 'id' property`);if(!H(e.payload))throw Error(`"${e.type}" message expects the 'payload' property to be an object, but got ${V(e.payload)}`);if(typeof e.payload.query!=`string`)throw Error(`"${e.type}" message payload expects the 'query' property to be a string, but got ${V(e.payload.query)}`);if(e.payload.variables!=null&&!H(e.payload.variables))throw Error(`"${e.type}" message payload expects the 'variables' property to be a an object or nullish or missing, but got ${V(e.payload.variables)}`);if(e.payload.operationName!=null&&V(e.payload.operationName)!==`string`)throw Error(`"${e.type}" message payload expects the 'operationName' property to be a string or nullish or missing, but got ${V(e.payload.operationName)}`);if(e.payload.extensions!=null&&!H(e.payload.extensions))throw Error(`"${e.type}" message payload expects the 'extensions' property to be a an object or nullish or missing, but got ${V(e.payload.extensions)}`);break;case`next`:if(typeof e.id!=`string`)throw Error(`"${e.type}" message expects the 'id' property to be a string, but got ${V(e.id)}`);if(!e.id)throw Error(`"${e.type}" message requires a non-empty 'id' property`);if(!H(e.payload))throw Error(`"${e.type}" message expects the 'payload' property to be an object, but got ${V(e.payload)}`);break;case`error`:if(typeof e.id!=`string`)throw Error(`"${e.type}" message expects the 'id' property to be a string, but got ${V(e.id)}`);if(!e.id)throw Error(`"${e.type}" message requires a non-empty 'id' property`);if(!fe(e.payload))throw Error(`"${e.type}" message expects the 'payload' property to be an array of GraphQL errors, but got ${JSON.stringify(e.payload)}`);break;case`complete`:if(typeof e.id!=`string`)throw Error(`"${e.type}" message expects the 'id' property to be a string, but got ${V(e.id)}`);if(!e.id)throw Error(`"${e.type}" message requires a non-empty 'id' property`);break;default:throw Error(`Invalid message 'type' property "${e.type}"`)}return e}function he(e,t){return me(typeof e==`string`?JSON.parse(e,t):e)}function G(e,t){return me(e),JSON.stringify(e,t)}function ge(e){let{url:t,connectionParams:n,lazy:r=!0,onNonLazyError:i=console.error,lazyCloseTimeout:a=0,keepAlive:o=0,disablePong:s,connectionAckWaitTimeout:c=0,retryAttempts:l=5,retryWait:u=async function(e){let t=2**e;await new Promise(e=>setTimeout(e,t*1e3+Math.floor(Math.random()*2700+300)))},shouldRetry:d=K,on:f,webSocketImpl:p,generateID:m=function(){return`xxxxxxxx-xxxx-4xxx-yxxx-xxxxxxxxxxxx`.replace(/[xy]/g,e=>{let t=Math.random()*16|0;return(e==`x`?t:t&3|8).toString(16)})},jsonMessageReplacer:h,jsonMessageReviver:g}=e,_;if(p){if(!ye(p))throw Error(`Invalid WebSocket implementation provided`);_=p}else typeof WebSocket<`u`?_=WebSocket:typeof global<`u`?_=global.WebSocket||global.MozWebSocket:typeof window<`u`&&(_=window.WebSocket||window.MozWebSocket);if(!_)throw Error("WebSocket implementation missing; on Node you can `import WebSocket from 'ws';` and pass `webSocketImpl: WebSocket` to `createClient`");let v=_,y=(()=>{let e=(()=>{let e={};return{on(t,n){return e[t]=n,()=>{delete e[t]}},emit(t){`id`in t&&e[t.id]?.(t)}}})(),t={connecting:f?.connecting?[f.connecting]:[],opened:f?.opened?[f.opened]:[],connected:f?.connected?[f.connected]:[],ping:f?.ping?[f.ping]:[],pong:f?.pong?[f.pong]:[],message:f?.message?[e.emit,f.message]:[e.emit],closed:f?.closed?[f.closed]:[],error:f?.error?[f.error]:[]};return{onMessage:e.on,on(e,n){let r=t[e];return r.push(n),()=>{let e=r.indexOf(n);e>-1&&r.splice(e,1)}},emit(e,...n){for(let r of[...t[e]])r(...n)}}})();function b(e){let t=[y.on(`error`,n=>{t.forEach(e=>e()),e(n)}),y.on(`closed`,n=>{t.forEach(e=>e()),e(n)})];return()=>t.forEach(e=>e())}let x,S=0,C,w=!1,T=0,E=!1;async function D(){clearTimeout(C);let[e,r]=await(x??=new Promise((e,r)=>(async()=>{if(w){if(await u(T),!S)return x=void 0,r({code:1e3,reason:`All Subscriptions Gone`});T++}y.emit(`connecting`,w);let i=new v(typeof t==`function`?await t():t,`graphql-transport-ws`),a,l;function d(){isFinite(o)&&o>0&&(clearTimeout(l),l=setTimeout(()=>{i.readyState===v.OPEN&&(i.send(G({type:W.Ping})),y.emit(`ping`,!1,void 0))},o))}b(e=>{x=void 0,clearTimeout(a),clearTimeout(l),r(e),e instanceof _e&&(i.close(4499,`Terminated`),i.onerror=null,i.onclose=null)}),i.onerror=e=>y.emit(`error`,e),i.onclose=e=>y.emit(`closed`,e),i.onopen=async()=>{try{y.emit(`opened`,i);let e=typeof n==`function`?await n():n;if(i.readyState!==v.OPEN)return;i.send(G(e?{type:W.ConnectionInit,payload:e}:{type:W.ConnectionInit},h)),isFinite(c)&&c>0&&(a=setTimeout(()=>{i.close(U.ConnectionAcknowledgementTimeout,`Connection acknowledgement timeout`)},c)),d()}catch(e){y.emit(`error`,e),i.close(U.InternalClientError,pe(e instanceof Error?e.message:String(e),`Internal client error`))}};let f=!1;i.onmessage=({data:t})=>{try{let n=he(t,g);if(y.emit(`message`,n),n.type===`ping`||n.type===`pong`){y.emit(n.type,!0,n.payload),n.type===`pong`?d():s||(i.send(G(n.payload?{type:W.Pong,payload:n.payload}:{type:W.Pong},h)),y.emit(`pong`,!1,n.payload));return}if(f)return;if(n.type!==W.ConnectionAck)throw Error(`First message cannot be of type ${n.type}`);clearTimeout(a),f=!0,y.emit(`connected`,i,n.payload,w),w=!1,T=0;let r=new Promise((e,t)=>b(t));r.catch(()=>{}),e([i,r])}catch(e){i.onmessage=null,y.emit(`error`,e),i.close(U.BadResponse,pe(e instanceof Error?e.message:String(e),`Bad response`))}}})()));e.readyState===v.CLOSING&&await r;let i=()=>{},l=new Promise(e=>i=e);return[e,i,new Promise((t,n)=>{let i=b(n);e.readyState!==v.OPEN&&r.catch(n),l.then(()=>{if(i(),!S){let t=()=>e.close(1e3,`Normal Closure`);isFinite(a)&&a>0?(clearTimeout(C),C=setTimeout(()=>{!S&&e.readyState===v.OPEN&&t()},a)):t()}t()})})]}function O(e){if(K(e)&&(ve(e.code)||[U.InternalServerError,U.InternalClientError,U.BadRequest,U.BadResponse,U.Unauthorized,U.SubprotocolNotAcceptable,U.SubscriberAlreadyExists,U.TooManyInitialisationRequests].includes(e.code)))throw e;if(E)return!1;if(K(e)&&e.code===1e3)return S>0;if(!l||T>=l||!d(e))throw e;return w=!0}r||(async()=>{for(S++;;)try{let[,,e]=await D();await e}catch(e){try{if(!O(e))return}catch(e){return i?.(e)}}})();function k(e,t){let n=m(e),r=!1,i=!1,a=()=>{S--,r=!0};return(async()=>{for(S++;;)try{let[o,s,c]=await D();if(r)return c.catch(()=>{}),s();let l=y.onMessage(n,e=>{switch(e.type){case W.Next:t.next(e.payload);return;case W.Error:i=!0,r=!0,t.error(e.payload),a();return;case W.Complete:r=!0,a();return}});o.send(G({id:n,type:W.Subscribe,payload:e},h)),a=()=>{!r&&o.readyState===v.OPEN&&o.send(G({id:n,type:W.Complete},h)),S--,r=!0,s()},await c.finally(l);return}catch(e){if(!O(e))return}})().then(()=>{i||t.complete()}).catch(e=>{t.error(e)}),()=>{r||a()}}return{on:y.on,subscribe:k,iterate(e){let t=[],n={done:!1,error:null,resolve:()=>{}},r=k(e,{next(e){t.push(e),n.resolve()},error(e){n.done=!0,n.error=e,n.resolve()},complete(){n.done=!0,n.resolve()}}),i=async function*(){for(;;){for(t.length||await new Promise(e=>n.resolve=e);t.length;)yield t.shift();if(n.error)throw n.error;if(n.done)return}}();return i.throw=async e=>(n.done||(n.done=!0,n.error=e,n.resolve()),{done:!0,value:void 0}),i.return=async()=>(r(),{done:!0,value:void 0}),i},async dispose(){if(E=!0,x){let[e]=await x;e.close(1e3,`Normal Closure`)}},terminate(){x&&y.emit(`closed`,new _e)}}}var _e=class extends Error{name=`TerminatedCloseEvent`;message=`4499: Terminated`;code=4499;reason=`Terminated`;wasClean=!1};function K(e){return H(e)&&`code`in e&&`reason`in e}function ve(e){return![1e3,1001,1006,1005,1012,1013,1014].includes(e)&&e>=1e3&&e<=1999}function ye(e){return typeof e==`function`&&`constructor`in e&&`CLOSED`in e&&`CLOSING`in e&&`CONNECTING`in e&&`OPEN`in e}var be=new Set,xe=`connecting`;function q(e){xe=e;for(let t of be)t(e)}function Se(e){be.add(e),e(xe)}function Ce(){let e=!1,t=location.protocol===`https:`?`wss`:`ws`,n=!1,r=ge({url:`${t}://${location.host}/graphql`,lazy:!1,keepAlive:15e3,connectionParams:()=>{let e=E()?.accessToken;return e?{Authorization:`Bearer ${e}`}:{}},retryAttempts:1/0,shouldRetry:()=>!0,retryWait:async e=>{await new Promise(t=>setTimeout(t,Math.min(1e3*2**e,1e4)))},on:{connecting:()=>{e||q(n?`reconnecting`:`connecting`)},connected:()=>{n=!0,e||q(`connected`)},closed:()=>{n&&!e&&q(`reconnecting`)}}});return{client:r,retire:()=>{e=!0,r.dispose()}}}var J=Ce();O(()=>{J.retire(),J=Ce()});function we(){return J.client}function Te(e,t){return()=>void 0}var Ee=12,De=[`G`,`PG`,`PG_13`,`R`,`NC_17`],Y={relevance:{label:`Best match / title`,order:null},"title-asc":{label:`Title A–Z`,order:{field:`TITLE`,direction:`ASC`}},"title-desc":{label:`Title Z–A`,order:{field:`TITLE`,direction:`DESC`}},"length-asc":{label:`Shortest first`,order:{field:`LENGTH`,direction:`ASC`}},"length-desc":{label:`Longest first`,order:{field:`LENGTH`,direction:`DESC`}},"rate-asc":{label:`Cheapest first`,order:{field:`RENTAL_RATE`,direction:`ASC`}},"year-desc":{label:`Newest first`,order:{field:`RELEASE_YEAR`,direction:`DESC`}}};function Oe(t){return e(`li`,{class:`film-card`},e(`a`,{href:`#/film/${t.filmId}`,class:`film-link`,"data-film-id":t.filmId},e(`span`,{class:`film-title`},t.title)),e(`p`,{class:`film-meta`},e(`span`,{class:`badge`},M(t.rating)),t.releaseYear?` ${t.releaseYear}`:``,t.length?` · ${t.length} min`:``,` · ${N(t.rentalRate)}`,t.isInStock?``:e(`span`,{class:`badge badge-out`},`out of stock`)),t.description?e(`p`,{class:`film-description`},t.description):null)}var ke=null;function Ae(t,r){let i={q:r.get(`q`)??``,category:r.get(`category`)??``,rating:r.get(`rating`)??``,sort:r.get(`sort`)??`relevance`,after:r.get(`after`),before:r.get(`before`)},a=e(`input`,{id:`search`,type:`search`,name:`q`,value:i.q,placeholder:`e.g. dinosaur, "mad scientist", drama -teacher`,autocomplete:`off`}),o=e(`select`,{id:`category`,name:`category`},e(`option`,{value:``},`All categories`)),s=e(`select`,{id:`rating`,name:`rating`},e(`option`,{value:``},`All ratings`),De.map(t=>e(`option`,{value:t,selected:t===i.rating},M(t)))),c=e(`select`,{id:`sort`,name:`sort`},Object.entries(Y).map(([t,n])=>e(`option`,{value:t,selected:t===i.sort},n.label))),l=e(`div`,{id:`results`,"aria-live":`polite`,"aria-busy":`true`}),u=e=>{let t={...i,after:null,before:null,...e},n=new URLSearchParams;for(let[e,r]of Object.entries(t))r&&(e!==`sort`||r!==`relevance`)&&n.set(e,String(r));location.hash=`#/films?${n.toString()}`},d=e(`form`,{class:`filters`,role:`search`,"aria-label":`Find films`,onsubmit:e=>{e.preventDefault(),u({q:a.value.trim(),category:o.value,rating:s.value,sort:c.value})}},e(`div`,{class:`field field-grow`},e(`label`,{for:`search`},`Search titles and descriptions`),a),e(`div`,{class:`field`},e(`label`,{for:`category`},`Category`),o),e(`div`,{class:`field`},e(`label`,{for:`rating`},`Rating`),s),e(`div`,{class:`field`},e(`label`,{for:`sort`},`Sort by`),c),e(`button`,{type:`submit`,class:`primary`},`Search`));for(let e of[o,s,c])e.addEventListener(`change`,()=>u({q:a.value.trim(),category:o.value,rating:s.value,sort:c.value}));n(t,e(`h1`,{},`Films`),d,l),(async()=>{try{ke??=(await j(p,{})).categories.nodes;for(let t of ke)o.append(e(`option`,{value:t.categoryId,selected:String(t.categoryId)===i.category},t.name))}catch{}})(),je(l,i,u)}async function je(t,r,i){let a={};r.q&&(a.fulltext=r.q),r.category&&(a.categoryIds=[Number(r.category)]),r.rating&&(a.ratings=[r.rating]);let o={filter:a,orderBy:Y[r.sort]?.order??null};r.before?(o.last=Ee,o.before=r.before):(o.first=Ee,o.after=r.after);try{let{films:a}=await j(f,o),{pageInfo:s}=a,c=e(`nav`,{class:`pager`,"aria-label":`Pages`},e(`button`,{type:`button`,id:`prev-page`,disabled:!s.hasPreviousPage,onclick:()=>i({...r,after:null,before:s.startCursor??null})},`← Previous`),e(`button`,{type:`button`,id:`next-page`,disabled:!s.hasNextPage,onclick:()=>i({...r,before:null,after:s.endCursor??null})},`Next →`));n(t,e(`p`,{class:`count`,id:`result-count`},`${a.totalCount} film${a.totalCount===1?``:`s`}`),a.nodes.length?e(`ul`,{class:`film-grid`,id:`film-list`},a.nodes.map(Oe)):e(`p`,{},`No film matches. Try fewer words or another filter.`),c)}catch(e){n(t,F(e,()=>void je(t,r,i)))}finally{t.setAttribute(`aria-busy`,`false`)}}var Me=()=>void 0;function Ne(t,r){Me();let i=e(`div`,{"aria-live":`polite`,"aria-busy":`true`},`Loading…`);n(t,e(`p`,{},e(`a`,{href:`#/films`},`← All films`)),i);let a=async()=>{try{let{film:t}=await j(m,{filmId:r});if(!t){n(i,e(`h1`,{},`Film not found`),e(`p`,{},`There is no film number ${r}.`));return}let o=[...new Set(t.inventory.nodes.map(e=>e.store.storeId))].sort((e,t)=>e-t),s=await Promise.all(o.map(async e=>[e,(await j(h,{filmId:r,storeId:e})).film?.availableCopies??0])),c=L(),u=e(`div`,{id:`rent-status`,role:`status`}),d=s.map(([t,n])=>e(`tr`,{},e(`th`,{scope:`row`},`Store ${t}`),e(`td`,{"data-store":t,class:`copies`},n===0?`none available`:`${n} available`),e(`td`,{},c?.customer&&n>0?e(`button`,{type:`button`,class:`primary`,"data-rent-store":t,onclick:e=>void f(e.currentTarget,t)},`Rent at store ${t}`):c?.customer?``:e(`a`,{href:`#/signin`},`Sign in to rent`)))),f=async(e,t)=>{let n=L()?.customer;if(n){e.disabled=!0;try{let{rentFilm:e}=await j(l,{input:{customerId:n.customerId,storeId:t,filmId:r,idempotencyKey:crypto.randomUUID()}});if(e.errors.length)throw b(e.errors);await z(),await a(),document.getElementById(`rent-status`)?.replaceChildren(`Rented: copy ${e.rental?.inventory.inventoryId} from store ${t}. See “My rentals”.`)}catch(t){u.replaceChildren(F(t)),e.disabled=!1}}};n(i,e(`h1`,{id:`film-title`},t.title),e(`p`,{class:`film-meta`},e(`span`,{class:`badge`},M(t.rating)),t.releaseYear?` ${t.releaseYear}`:``,t.length?` · ${t.length} min`:``,` · ${t.language.name}`),t.description?e(`p`,{class:`lead`},t.description):null,e(`dl`,{class:`facts`},e(`dt`,{},`Rental`),e(`dd`,{},`${N(t.rentalRate)} for ${t.rentalDuration} days`),e(`dt`,{},`Replacement cost`),e(`dd`,{},N(t.replacementCost)),e(`dt`,{},`Categories`),e(`dd`,{id:`film-categories`},t.categories.nodes.map(e=>e.name).join(`, `)||`—`),t.specialFeatures.length?[e(`dt`,{},`Extras`),e(`dd`,{},t.specialFeatures.join(`, `))]:null),e(`h2`,{},`Availability`),o.length===0?e(`p`,{},`No store holds a copy of this film.`):null,e(`table`,{class:`availability`,id:`availability`},e(`caption`,{class:`visually-hidden`},`Copies in stock per store`),e(`tbody`,{},d)),u,e(`h2`,{},`Cast`),e(`ul`,{class:`cast`,id:`film-actors`},t.actors.nodes.map(t=>e(`li`,{},`${t.firstName} ${t.lastName}`.toLowerCase())))),document.title=`${t.title} · Pagila DVD`}catch(e){n(i,F(e,()=>void a()))}finally{i.setAttribute(`aria-busy`,`false`)}};Me=Te(r,()=>void a()),a()}var Pe={SearchAgent:`Film search`,LLMAgent:`General assistant`};function X(e){return Pe[e]??e.replace(/([a-z])([A-Z])/g,`$1 $2`)}function Fe(){let t=null,n=null,r=e(`ol`,{class:`chat-log`,id:`chat-log`,"aria-live":`polite`,"aria-relevant":`additions`}),i=e(`textarea`,{id:`chat-question`,name:`question`,rows:2,required:!0,maxlength:2e3,placeholder:`e.g. Is ACADEMY DINOSAUR in stock at store 1?`}),a=e(`button`,{type:`submit`,class:`primary`,id:`chat-send`},`Ask`),o=e(`button`,{type:`button`,id:`chat-cancel`,hidden:!0},`Cancel`),s=e(`button`,{type:`button`,id:`chat-new`,class:`link`},`New conversation`),c=e(`span`,{id:`chat-conversation`,class:`muted`},``),l=e(`p`,{id:`chat-connection`,class:`muted`,role:`status`});Se(e=>{l.textContent=e===`reconnecting`?`Disconnected from the assistant — reconnecting automatically…`:``,l.className=e===`reconnecting`?`notice notice-warn`:`muted`});let u=0,f=e=>{a.disabled=e||Date.now()<u,o.hidden=!e,i.disabled=e};s.addEventListener(`click`,()=>{n?.(),t=null,c.textContent=``,r.replaceChildren(),i.focus()});let p=s=>{r.append(e(`li`,{class:`msg msg-user`},e(`span`,{class:`visually-hidden`},`You: `),s));let l=e(`p`,{class:`msg-agent`},`Assistant`),p=e(`div`,{class:`msg-text`,"data-delta-count":0}),m=e(`ul`,{class:`steps`}),h=e(`details`,{class:`steps-box`,hidden:!0},e(`summary`,{},`How I got this`),m),_=e(`div`,{class:`msg-extra`}),v=e(`li`,{class:`msg msg-assistant`,"aria-busy":`true`},l,p,h,_);r.append(v),v.scrollIntoView({block:`end`});let b=0,x=``,S=(t,n)=>{h.hidden=!1,m.append(e(`li`,{},t,n?e(`pre`,{},n):null))},C=()=>{v.setAttribute(`aria-busy`,`false`),f(!1),n=null,i.focus()},w=e=>{if(_.append(F(e)),e.kind===`rate_limited`&&e.retryAfterSeconds){let t=e.retryAfterSeconds*1e3;u=Date.now()+t,a.disabled=!0,window.setTimeout(()=>a.disabled=!o.hidden,t)}},T=n=>{switch(n.__typename){case`RunStarted`:n.conversationId&&(t=n.conversationId);break;case`AgentMessageDelta`:n.agent!==x&&(x=n.agent,l.textContent=X(n.agent),l.dataset.agent=n.agent),b+=1,p.append(n.delta),p.dataset.deltaCount=String(b);break;case`ToolCallStarted`:S(`${X(n.agent)} looks up ${n.plugin}.${n.function}`,n.arguments);break;case`ToolCallFinished`:S(`${n.plugin}.${n.function} answered in ${Math.round(n.durationMs)} ms`,n.resultPreview);break;case`HandoffOccurred`:S(`${X(n.fromAgent)} handed over to ${X(n.toAgent)}`,n.reason),l.textContent=X(n.toAgent),l.dataset.agent=n.toAgent;break;case`RunCompleted`:n.conversationId&&(t=n.conversationId),c.textContent=t?`Conversation #${t}`:``,l.textContent=X(n.agent),l.dataset.agent=n.agent,p.textContent||=n.answer,n.films.length&&_.append(e(`ul`,{class:`film-grid film-grid-small`,"aria-label":`Films mentioned`},n.films.map(Oe))),n.ungroundedTitles.length&&_.append(e(`p`,{class:`notice notice-warn`},`Not in our catalogue: ${n.ungroundedTitles.join(`, `)}.`));break;case`RunFailed`:w(y(n.code,n.message,n.retryAfterSeconds??null))}v.scrollIntoView({block:`end`})};f(!0);let E=!1,D=we().subscribe({query:String(d),variables:{question:s,conversationId:t}},{next:e=>{if(e.errors?.length){let t=e.errors[0],n=String(t?.extensions?.code??``);w(y(n,t?.message??``))}else e.data&&T(e.data.agentStream)},error:e=>{if(E)return;E=!0;let t=Array.isArray(e)?String(e[0]?.message??``):``;w(t?new g(`other`,t):new g(`disconnected`,`The connection to the assistant was lost. Please ask again.`)),C()},complete:()=>{E||(E=!0,C())}});n=()=>{E||(E=!0,D(),_.append(e(`p`,{class:`muted`},`Cancelled.`)),C())}};o.addEventListener(`click`,()=>n?.());let m=e(`form`,{class:`chat-form`,onsubmit:e=>{e.preventDefault();let t=i.value.trim();t?(i.removeAttribute(`aria-invalid`),i.value=``,p(t)):(i.setAttribute(`aria-invalid`,`true`),i.focus())}},e(`label`,{for:`chat-question`},`Ask the store’s assistant`),i,e(`div`,{class:`chat-actions`},a,o,s));return i.addEventListener(`keydown`,e=>{e.key===`Enter`&&!e.shiftKey&&(e.preventDefault(),m.requestSubmit())}),e(`section`,{class:`chat`,id:`chat`,"aria-labelledby":`chat-heading`},e(`h2`,{id:`chat-heading`},`Assistant `,c),l,r,m)}var Ie=document.getElementById(`app`);if(!Ie)throw Error(`#app is missing`);var Z=e(`nav`,{class:`top-nav`,"aria-label":`Main`}),Q=e(`main`,{id:`main`,tabindex:-1}),Le=Fe(),$=e(`button`,{type:`button`,class:`chat-toggle`,"aria-controls":`chat`,"aria-expanded":`false`},`Assistant`);$.addEventListener(`click`,()=>{let e=document.body.classList.toggle(`chat-open`);$.setAttribute(`aria-expanded`,String(e)),e&&document.getElementById(`chat-question`)?.focus()}),n(Ie,e(`a`,{href:`#main`,class:`skip-link`},`Skip to content`),e(`header`,{class:`site-header`},e(`a`,{href:`#/films`,class:`brand`},`Pagila DVD`),Z,$),e(`div`,{class:`layout`},Q,Le));function Re(){let t=L();n(Z,e(`a`,{href:`#/films`},`Films`),t?[e(`a`,{href:`#/account`,id:`nav-account`},t.customer?`My rentals`:`My account`),e(`button`,{type:`button`,class:`link`,id:`sign-out`,onclick:()=>void ce()},`Sign out`)]:[e(`a`,{href:`#/signin`,id:`nav-signin`},`Sign in`),e(`a`,{href:`#/register`},`Register`)])}function ze(){let[e=``,t=``]=location.hash.replace(/^#/,``).split(`?`),n=new URLSearchParams(t),r=/^\/film\/(\d+)$/.exec(e);document.title=`Pagila DVD`,r?Ne(Q,Number(r[1])):e===`/signin`?ue(Q):e===`/register`?de(Q):e===`/account`?B(Q):Ae(Q,n);for(let t of Z.querySelectorAll(`a`))t.getAttribute(`href`)===`#${e}`&&t.setAttribute(`aria-current`,`page`)}oe(()=>{Re(),location.hash.startsWith(`#/account`)&&B(Q)}),window.addEventListener(`hashchange`,()=>{ze(),Q.focus({preventScroll:!0})}),Re(),ze(),z().catch(e=>Q.prepend(F(e)));